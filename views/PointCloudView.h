#pragma once
// Shows a point-cloud dataset in a VtkViewport, coloured by any of its per-point attributes.
#include "engine/core/Dataset.h"

#include <QWidget>
#include <vtkNew.h>

class QComboBox;
class QLabel;
class vtkActor;
class vtkPolyData;
class vtkPolyDataMapper;
class vtkScalarBarActor;

namespace ls::views {

class VtkViewport;

class PointCloudView : public QWidget {
    Q_OBJECT
public:
    static constexpr const char* kSolidColour = "(solid colour)";

    explicit PointCloudView(QWidget* parent = nullptr);
    ~PointCloudView() override;

    void showPointCloud(const PointCloud& cloud, const QString& title);
    void clear();
    std::size_t pointCount() const { return pointCount_; }

    QString colorBy() const;
    void setColorBy(const QString& attribute);
    QStringList colorChoices() const;

    VtkViewport* viewport() const { return viewport_; }

signals:
    void colorByChanged(const QString& attribute);

private:
    void applyColouring();

    VtkViewport* viewport_;
    QComboBox* colorByBox_;
    QLabel* titleLabel_;
    vtkNew<vtkPolyData> polyData_;
    vtkNew<vtkPolyDataMapper> mapper_;
    vtkNew<vtkActor> actor_;
    vtkNew<vtkScalarBarActor> scalarBar_;
    std::size_t pointCount_ = 0;
    bool cameraPlaced_ = false;
};

} // namespace ls::views
