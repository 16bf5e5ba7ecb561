#pragma once
// Shows a point-cloud dataset in a VtkViewport, coloured by any of its per-point attributes.
#include "VtkViewport.h"

#include "engine/core/Dataset.h"

#include <QVector3D>
#include <QWidget>
#include <optional>
#include <vector>
#include <vtkNew.h>

class QCheckBox;
class QComboBox;
class QLabel;
class vtkActor;
class vtkGlyph3DMapper;
class vtkMaskPoints;
class vtkBillboardTextActor3D;
class vtkPointPicker;
class vtkPolyData;
class vtkPolyDataMapper;
class vtkScalarBarActor;

namespace ls::views {

// A point the user may drag (a transmitter): drawn as a large sphere with its label.
struct PointHandle {
    std::size_t pointIndex = 0;
    QString label;
};

class PointCloudView : public QWidget, private SceneDragHandler {
    Q_OBJECT
public:
    static constexpr const char* kSolidColour = "(solid colour)";

    explicit PointCloudView(QWidget* parent = nullptr);
    ~PointCloudView() override;

    void showPointCloud(const PointCloud& cloud, const QString& title);
    void clear();
    std::size_t pointCount() const { return pointCount_; }

    // Clouds of Gaussians (PointCloud::hasEllipsoids) can be drawn as 1σ ellipsoids, coloured like
    // the points; the points stay for picking.
    bool ellipsoidsAvailable() const;
    bool showsEllipsoids() const;
    void setShowEllipsoids(bool show);

    QString colorBy() const;
    void setColorBy(const QString& attribute);
    QStringList colorChoices() const;

    VtkViewport* viewport() const { return viewport_; }

    // Picking: a click on the view picks the point nearest the cursor ray (within a few pixels).
    std::optional<std::size_t> pointAt(QPointF logicalPosition) const;
    // Marks the picked point and colours the points with a finite value in `values` (one per
    // point) on their own scale titled `label`, the others dimmed; empty `values`: the marker only.
    // Holds until clearHighlight(), Esc, a click on empty space, a new cloud or another colouring.
    void setHighlight(std::size_t pickedPoint, const std::vector<float>& values, const QString& label);
    void clearHighlight();
    std::optional<std::size_t> pickedPoint() const { return picked_; }

    // Dragging: a left drag that starts on a handle moves it on the horizontal plane through it
    // (with Shift: up and down), instead of orbiting. Cleared by a new cloud.
    void setDragHandles(const std::vector<PointHandle>& handles);
    const std::vector<PointHandle>& dragHandles() const { return handles_; }
    QVector3D pointPosition(std::size_t index) const;
    // Moves a point (a handle, as a drag does; no signal).
    void movePoint(std::size_t index, const QVector3D& position);

signals:
    void colorByChanged(const QString& attribute);
    void pointPicked(std::size_t index);
    void pickCleared();
    void handleGrabbed(std::size_t pointIndex);
    void handleMoved(std::size_t pointIndex, QVector3D position);
    void handleReleased(std::size_t pointIndex, QVector3D position);

protected:
    void keyPressEvent(QKeyEvent* event) override;

private:
    bool beginSceneDrag(QPointF position) override;
    void moveSceneDrag(QPointF position, Qt::KeyboardModifiers modifiers) override;
    void endSceneDrag() override;
    void refreshHandleActors();
    void applyColouring();
    void colourBy(const char* arrayName, const QString& title);

    VtkViewport* viewport_;
    QComboBox* colorByBox_;
    QCheckBox* ellipsoidsBox_;
    QLabel* titleLabel_;
    vtkNew<vtkPolyData> polyData_;
    vtkNew<vtkPolyDataMapper> mapper_;
    // While the camera moves, a big cloud is drawn decimated to about kInteractivePointBudget points
    // (every k-th point, with its attributes), then in full at rest.
    vtkNew<vtkMaskPoints> interactiveSubset_;
    bool drawingSubset_ = false;
    void drawSubsetWhileMoving(bool moving);

public:
    // Clouds above this many points are decimated while the camera moves (software OpenGL on
    // 2 cores draws about 4 M points a second: 100 k keeps a moving frame near 25 ms).
    static constexpr std::size_t kInteractivePointBudget = 100'000;
    bool drawsSubset() const { return drawingSubset_; }

private:
    vtkNew<vtkActor> actor_;
    vtkNew<vtkScalarBarActor> scalarBar_;
    vtkNew<vtkGlyph3DMapper> ellipsoidMapper_;
    vtkNew<vtkActor> ellipsoidActor_;
    vtkNew<vtkPointPicker> picker_;
    vtkNew<vtkPolyData> markerData_;
    vtkNew<vtkActor> marker_;
    std::optional<std::size_t> picked_;
    std::vector<PointHandle> handles_;
    vtkNew<vtkPolyData> handleData_;
    vtkNew<vtkActor> handleActor_;
    std::vector<vtkSmartPointer<vtkBillboardTextActor3D>> handleLabels_;
    std::optional<std::size_t> draggedHandle_; // index into handles_
    QString highlightLabel_;
    std::size_t pointCount_ = 0;
    bool cameraPlaced_ = false;
    double shownCloudSize_ = 0;          // diagonal of the shown cloud's bounds
    double shownCloudCentre_[3] = {0, 0, 0};
};

} // namespace ls::views
