#include "PointCloudView.h"

#include "VtkViewport.h"

#include <QCheckBox>
#include <QComboBox>
#include <QKeyEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineF>
#include <QToolButton>
#include <QVBoxLayout>
#include <cmath>
#include <vtkActor.h>
#include <vtkBillboardTextActor3D.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkFloatArray.h>
#include <vtkGlyph3DMapper.h>
#include <vtkIdTypeArray.h>
#include <vtkLookupTable.h>
#include <vtkPointData.h>
#include <vtkPointPicker.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkMaskPoints.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkScalarBarActor.h>
#include <vtkSphereSource.h>
#include <vtkTextProperty.h>

namespace ls::views {

namespace {

constexpr const char* kHighlightArray = "(picked highlight)"; // never offered as a colouring
constexpr double kPickTolerance = 0.006;                      // of the window diagonal: ~8 px at 1400 × 900
constexpr const char* kAxesArray = "(ellipsoid axes)";          // glyph inputs, never offered as colourings
constexpr const char* kRotationArray = "(ellipsoid rotation)";
constexpr double kHandleGrabRadiusPx = 14;                    // the handle sphere's radius, with some slack

} // namespace

PointCloudView::PointCloudView(QWidget* parent) : QWidget(parent)
{
    viewport_ = new VtkViewport(this);
    colorByBox_ = new QComboBox(this);
    colorByBox_->setObjectName("colorBy");
    colorByBox_->setMinimumContentsLength(14);
    titleLabel_ = new QLabel(tr("No point cloud yet: run an engine that produces one."), this);
    // Long run labels must not set the view's minimum width.
    titleLabel_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    ellipsoidsBox_ = new QCheckBox(tr("Ellipsoids"), this);
    ellipsoidsBox_->setObjectName("ellipsoids");
    ellipsoidsBox_->setToolTip(tr("Draw each Gaussian as its 1σ ellipsoid (clouds of Gaussians only)"));
    ellipsoidsBox_->setEnabled(false);
    auto* resetButton = new QToolButton(this);
    resetButton->setText(tr("Reset camera"));
    resetButton->setToolTip(tr("Fit the cloud in view (R, or double-click the view)"));
    auto* aboveButton = new QToolButton(this);
    aboveButton->setObjectName("viewFromAbove");
    aboveButton->setText(tr("From above"));
    aboveButton->setToolTip(tr("Look straight down, y up: the pillar grid as a map (T)"));

    auto* bar = new QHBoxLayout;
    bar->addWidget(titleLabel_, 1);
    bar->addWidget(new QLabel(tr("Colour by:"), this));
    bar->addWidget(colorByBox_);
    bar->addWidget(ellipsoidsBox_);
    bar->addWidget(aboveButton);
    bar->addWidget(resetButton);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(bar);
    layout->addWidget(viewport_, 1);

    // A bright, perceptually ordered ramp (dark blue → yellow) reads well on the dark background.
    vtkNew<vtkLookupTable> ramp;
    ramp->SetHueRange(0.66, 0.13);
    ramp->SetSaturationRange(0.85, 0.9);
    ramp->SetValueRange(0.75, 1.0);
    ramp->SetNanColor(0.28, 0.29, 0.33, 1.0); // points dimmed while a pick highlights others (NaN: not highlighted)
    ramp->Build();
    mapper_->SetLookupTable(ramp);
    mapper_->SetInputData(polyData_);
    mapper_->SetScalarModeToUsePointFieldData();
    actor_->SetMapper(mapper_);
    interactiveSubset_->SetInputData(polyData_);
    interactiveSubset_->GenerateVerticesOn();
    interactiveSubset_->SingleVertexPerCellOn();
    interactiveSubset_->RandomModeOff(); // every k-th point: the same subset each frame, no flicker
    interactiveSubset_->SetMaximumNumberOfPoints(static_cast<vtkIdType>(kInteractivePointBudget));
    connect(viewport_, &VtkViewport::interactionStarted, this, [this] { drawSubsetWhileMoving(true); });
    connect(viewport_, &VtkViewport::interactionEnded, this, [this] { drawSubsetWhileMoving(false); });
    actor_->GetProperty()->SetPointSize(3.0f);
    actor_->GetProperty()->SetColor(0.85, 0.88, 0.95);
    actor_->VisibilityOff();
    scalarBar_->SetLookupTable(ramp);
    scalarBar_->SetNumberOfLabels(4);
    scalarBar_->SetWidth(0.08);
    scalarBar_->SetHeight(0.45);
    scalarBar_->SetPosition(0.9, 0.05);
    scalarBar_->GetLabelTextProperty()->SetFontSize(12);
    scalarBar_->VisibilityOff();
    viewport_->renderer()->AddActor(actor_);
    viewport_->renderer()->AddViewProp(scalarBar_);
    // Ellipsoids: a unit sphere scaled by the three 1σ axes and turned by the quaternion, per point.
    vtkNew<vtkSphereSource> sphere;
    sphere->SetRadius(1.0);
    sphere->SetThetaResolution(14);
    sphere->SetPhiResolution(10);
    ellipsoidMapper_->SetSourceConnection(sphere->GetOutputPort());
    ellipsoidMapper_->SetInputData(polyData_);
    ellipsoidMapper_->SetScaleModeToScaleByVectorComponents();
    ellipsoidMapper_->SetScaleArray(kAxesArray);
    ellipsoidMapper_->SetOrientationModeToQuaternion();
    ellipsoidMapper_->SetOrientationArray(kRotationArray);
    ellipsoidMapper_->OrientOn();
    ellipsoidMapper_->SetLookupTable(ramp);
    ellipsoidMapper_->SetScalarModeToUsePointFieldData();
    ellipsoidActor_->SetMapper(ellipsoidMapper_);
    ellipsoidActor_->GetProperty()->SetColor(0.85, 0.88, 0.95);
    ellipsoidActor_->VisibilityOff();
    viewport_->renderer()->AddActor(ellipsoidActor_);
    picker_->SetTolerance(kPickTolerance);
    picker_->PickFromListOn();
    picker_->AddPickList(actor_);
    vtkNew<vtkPolyDataMapper> markerMapper;
    markerMapper->SetInputData(markerData_);
    markerMapper->ScalarVisibilityOff();
    marker_->SetMapper(markerMapper);
    marker_->GetProperty()->SetPointSize(16.0f);
    marker_->GetProperty()->SetColor(1.0, 0.2, 0.75);
    marker_->GetProperty()->SetRenderPointsAsSpheres(true);
    marker_->VisibilityOff();
    viewport_->renderer()->AddActor(marker_);
    vtkNew<vtkPolyDataMapper> handleMapper;
    handleMapper->SetInputData(handleData_);
    handleMapper->ScalarVisibilityOff();
    handleActor_->SetMapper(handleMapper);
    handleActor_->GetProperty()->SetPointSize(22.0f);
    handleActor_->GetProperty()->SetColor(1.0, 0.55, 0.1); // orange: apart from the ramp and the pick's magenta
    handleActor_->GetProperty()->SetRenderPointsAsSpheres(true);
    handleActor_->VisibilityOff();
    viewport_->renderer()->AddActor(handleActor_);
    viewport_->setSceneDragHandler(this);
    connect(viewport_, &VtkViewport::clicked, this, [this](QPointF position) {
        if (const auto index = pointAt(position))
            emit pointPicked(*index);
        else if (picked_) {
            clearHighlight();
            emit pickCleared();
        }
    });

    connect(colorByBox_, &QComboBox::currentTextChanged, this, [this](const QString& name) {
        if (picked_) {
            clearHighlight(); // choosing a colouring ends the pick's highlight
            emit pickCleared();
        }
        applyColouring();
        emit colorByChanged(name);
    });
    connect(resetButton, &QToolButton::clicked, viewport_, &VtkViewport::resetCamera);
    connect(aboveButton, &QToolButton::clicked, viewport_, &VtkViewport::viewFromAbove);
    connect(ellipsoidsBox_, &QCheckBox::toggled, this, &PointCloudView::setShowEllipsoids);
}

PointCloudView::~PointCloudView() = default;

void PointCloudView::showPointCloud(const PointCloud& cloud, const QString& title)
{
    const auto count = static_cast<vtkIdType>(cloud.pointCount());
    vtkNew<vtkFloatArray> coordinates;
    coordinates->SetNumberOfComponents(3);
    coordinates->SetNumberOfTuples(count);
    std::copy(cloud.positions.begin(), cloud.positions.end(), coordinates->GetPointer(0));
    vtkNew<vtkPoints> points;
    points->SetData(coordinates);

    // One vertex cell per point, built as offsets + connectivity in one go.
    vtkNew<vtkIdTypeArray> offsets, connectivity;
    offsets->SetNumberOfValues(count + 1);
    connectivity->SetNumberOfValues(count);
    for (vtkIdType i = 0; i < count; ++i) {
        offsets->SetValue(i, i);
        connectivity->SetValue(i, i);
    }
    offsets->SetValue(count, count);
    vtkNew<vtkCellArray> vertices;
    vertices->SetData(offsets, connectivity);

    picked_.reset();
    marker_->VisibilityOff();
    setDragHandles({});
    polyData_->Initialize();
    polyData_->SetPoints(points);
    polyData_->SetVerts(vertices);
    if (cloud.hasEllipsoids())
        for (const auto& [name, values, components] : {std::tuple{kAxesArray, &cloud.ellipsoidAxes, 3}, std::tuple{kRotationArray, &cloud.ellipsoidRotations, 4}}) {
            vtkNew<vtkFloatArray> array;
            array->SetName(name);
            array->SetNumberOfComponents(components);
            array->SetNumberOfTuples(count);
            std::copy(values->begin(), values->end(), array->GetPointer(0));
            polyData_->GetPointData()->AddArray(array);
        }
    ellipsoidsBox_->setEnabled(cloud.hasEllipsoids());
    for (const auto& attribute : cloud.attributes) {
        vtkNew<vtkFloatArray> values;
        values->SetName(attribute.name.c_str());
        values->SetNumberOfTuples(count);
        for (vtkIdType i = 0; i < count; ++i) {
            double squares = 0; // multi-component attributes are shown by magnitude
            for (int c = 0; c < attribute.components; ++c) {
                const double v = attribute.values[static_cast<std::size_t>(i) * attribute.components + c];
                squares += v * v;
            }
            values->SetValue(i, attribute.components == 1 ? attribute.values[i] : static_cast<float>(std::sqrt(squares)));
        }
        polyData_->GetPointData()->AddArray(values);
    }
    pointCount_ = cloud.pointCount();

    const QString previous = colorBy();
    QSignalBlocker block(colorByBox_);
    colorByBox_->clear();
    for (const auto& attribute : cloud.attributes)
        colorByBox_->addItem(QString::fromStdString(attribute.name));
    colorByBox_->addItem(kSolidColour);
    const int keep = colorByBox_->findText(previous);
    colorByBox_->setCurrentIndex(keep >= 0 ? keep : 0);

    titleLabel_->setText(tr("%1: %2 points").arg(title).arg(pointCount_));
    actor_->SetVisibility(pointCount_ > 0);
    ellipsoidActor_->SetVisibility(showsEllipsoids());
    applyColouring();
    if (pointCount_ > 0) {
        double bounds[6];
        polyData_->GetBounds(bounds);
        const double size = std::hypot(bounds[1] - bounds[0], bounds[3] - bounds[2], bounds[5] - bounds[4]);
        const double centre[3] = {(bounds[0] + bounds[1]) / 2, (bounds[2] + bounds[3]) / 2, (bounds[4] + bounds[5]) / 2};
        // Keep the user's camera for a similar cloud (another run of the same scene); refit it for a
        // cloud of another scale or place (a torus of 2 m after a street of 150 m).
        const bool similar = cameraPlaced_ && size < 2 * shownCloudSize_ && size > shownCloudSize_ / 2 &&
                             std::hypot(centre[0] - shownCloudCentre_[0], centre[1] - shownCloudCentre_[1],
                                        centre[2] - shownCloudCentre_[2]) < 0.5 * shownCloudSize_;
        if (!cameraPlaced_)
            viewport_->renderer()->GetActiveCamera()->Elevation(-55);
        if (!similar)
            viewport_->renderer()->ResetCamera();
        cameraPlaced_ = true;
        shownCloudSize_ = size;
        std::copy(centre, centre + 3, shownCloudCentre_);
    }
    viewport_->update();
}

void PointCloudView::drawSubsetWhileMoving(bool moving)
{
    const bool subset = moving && pointCount_ > kInteractivePointBudget;
    if (subset == drawingSubset_)
        return;
    drawingSubset_ = subset;
    if (subset) {
        interactiveSubset_->SetOnRatio(static_cast<int>((pointCount_ + kInteractivePointBudget - 1) / kInteractivePointBudget));
        mapper_->SetInputConnection(interactiveSubset_->GetOutputPort());
        ellipsoidActor_->VisibilityOff(); // a glyph per point is the slowest part of a frame
    } else {
        mapper_->SetInputData(polyData_);
        ellipsoidActor_->SetVisibility(showsEllipsoids());
    }
    viewport_->update();
}

void PointCloudView::clear()
{
    picked_.reset();
    marker_->VisibilityOff();
    setDragHandles({});
    polyData_->Initialize();
    pointCount_ = 0;
    actor_->VisibilityOff();
    ellipsoidActor_->VisibilityOff();
    ellipsoidsBox_->setEnabled(false);
    scalarBar_->VisibilityOff();
    colorByBox_->clear();
    titleLabel_->setText(tr("No point cloud yet: run an engine that produces one."));
    viewport_->update();
}

QString PointCloudView::colorBy() const
{
    return colorByBox_->currentText();
}

void PointCloudView::setColorBy(const QString& attribute)
{
    const int index = colorByBox_->findText(attribute);
    if (index >= 0)
        colorByBox_->setCurrentIndex(index);
}

QStringList PointCloudView::colorChoices() const
{
    QStringList choices;
    for (int i = 0; i < colorByBox_->count(); ++i)
        choices << colorByBox_->itemText(i);
    return choices;
}

void PointCloudView::applyColouring()
{
    if (picked_ && polyData_->GetPointData()->GetArray(kHighlightArray)) {
        colourBy(kHighlightArray, highlightLabel_);
        return;
    }
    colourBy(colorBy().toUtf8().constData(), colorBy());
}

void PointCloudView::colourBy(const char* arrayName, const QString& title)
{
    auto* array = polyData_->GetPointData()->GetArray(arrayName);
    if (!array || title == kSolidColour) {
        mapper_->ScalarVisibilityOff();
        ellipsoidMapper_->ScalarVisibilityOff();
        scalarBar_->VisibilityOff();
    } else {
        double range[2];
        array->GetRange(range); // NaN (not highlighted) is left out of the range
        for (vtkMapper* mapper : {static_cast<vtkMapper*>(mapper_), static_cast<vtkMapper*>(ellipsoidMapper_)}) {
            mapper->SelectColorArray(arrayName);
            mapper->SetScalarRange(range);
            mapper->ScalarVisibilityOn();
        }
        scalarBar_->SetTitle(title.toUtf8().constData());
        scalarBar_->SetVisibility(pointCount_ > 0);
    }
    viewport_->update();
}

bool PointCloudView::ellipsoidsAvailable() const
{
    return ellipsoidsBox_->isEnabled();
}

bool PointCloudView::showsEllipsoids() const
{
    return ellipsoidsBox_->isEnabled() && ellipsoidsBox_->isChecked();
}

void PointCloudView::setShowEllipsoids(bool show)
{
    if (ellipsoidsBox_->isChecked() != show)
        ellipsoidsBox_->setChecked(show); // comes back here through toggled
    ellipsoidActor_->SetVisibility(showsEllipsoids());
    // Under the ellipsoids the points only mark the centres (and stay pickable).
    actor_->GetProperty()->SetPointSize(showsEllipsoids() ? 2.0f : 3.0f);
    viewport_->update();
}

std::optional<std::size_t> PointCloudView::pointAt(QPointF logicalPosition) const
{
    if (pointCount_ == 0)
        return std::nullopt;
    // VTK's display coordinates are device pixels from the bottom-left corner.
    const double ratio = viewport_->devicePixelRatioF();
    const double x = logicalPosition.x() * ratio, y = (viewport_->height() - logicalPosition.y()) * ratio;
    if (!picker_->Pick(x, y, 0, viewport_->renderer()) || picker_->GetPointId() < 0)
        return std::nullopt;
    return static_cast<std::size_t>(picker_->GetPointId());
}

void PointCloudView::setHighlight(std::size_t pickedPoint, const std::vector<float>& values, const QString& label)
{
    if (pickedPoint >= pointCount_)
        return;
    picked_ = pickedPoint;
    highlightLabel_ = label;
    polyData_->GetPointData()->RemoveArray(kHighlightArray);
    if (values.size() == pointCount_) {
        vtkNew<vtkFloatArray> highlight;
        highlight->SetName(kHighlightArray);
        highlight->SetNumberOfTuples(static_cast<vtkIdType>(pointCount_));
        std::copy(values.begin(), values.end(), highlight->GetPointer(0));
        polyData_->GetPointData()->AddArray(highlight);
    }
    double position[3];
    polyData_->GetPoint(static_cast<vtkIdType>(pickedPoint), position);
    vtkNew<vtkPoints> markerPoints;
    markerPoints->InsertNextPoint(position);
    vtkNew<vtkCellArray> vertex;
    const vtkIdType id = 0;
    vertex->InsertNextCell(1, &id);
    markerData_->Initialize();
    markerData_->SetPoints(markerPoints);
    markerData_->SetVerts(vertex);
    marker_->VisibilityOn();
    applyColouring();
}

void PointCloudView::clearHighlight()
{
    picked_.reset();
    polyData_->GetPointData()->RemoveArray(kHighlightArray);
    marker_->VisibilityOff();
    applyColouring();
}

void PointCloudView::setDragHandles(const std::vector<PointHandle>& handles)
{
    handles_.clear();
    for (const auto& handle : handles)
        if (handle.pointIndex < pointCount_)
            handles_.push_back(handle);
    draggedHandle_.reset();
    for (auto& label : handleLabels_)
        viewport_->renderer()->RemoveViewProp(label);
    handleLabels_.clear();
    for (const auto& handle : handles_) {
        auto label = vtkSmartPointer<vtkBillboardTextActor3D>::New();
        label->SetInput(handle.label.toUtf8().constData());
        label->SetDisplayOffset(14, 10); // beside the sphere, not on it
        label->GetTextProperty()->SetFontSize(15);
        label->GetTextProperty()->SetColor(1.0, 0.7, 0.35);
        label->GetTextProperty()->SetBold(true);
        viewport_->renderer()->AddViewProp(label);
        handleLabels_.push_back(label);
    }
    refreshHandleActors();
}

QVector3D PointCloudView::pointPosition(std::size_t index) const
{
    if (index >= pointCount_)
        return {};
    double position[3];
    polyData_->GetPoint(static_cast<vtkIdType>(index), position);
    return QVector3D(static_cast<float>(position[0]), static_cast<float>(position[1]), static_cast<float>(position[2]));
}

void PointCloudView::movePoint(std::size_t index, const QVector3D& position)
{
    if (index >= pointCount_)
        return;
    polyData_->GetPoints()->SetPoint(static_cast<vtkIdType>(index), position.x(), position.y(), position.z());
    polyData_->GetPoints()->Modified();
    if (picked_ == index && markerData_->GetPoints()) { // the pick's marker goes with the point
        markerData_->GetPoints()->SetPoint(0, position.x(), position.y(), position.z());
        markerData_->GetPoints()->Modified();
    }
    refreshHandleActors();
}

void PointCloudView::refreshHandleActors()
{
    vtkNew<vtkPoints> points;
    vtkNew<vtkCellArray> vertices;
    for (std::size_t h = 0; h < handles_.size(); ++h) {
        const QVector3D position = pointPosition(handles_[h].pointIndex);
        const vtkIdType id = points->InsertNextPoint(position.x(), position.y(), position.z());
        vertices->InsertNextCell(1, &id);
        handleLabels_[h]->SetPosition(position.x(), position.y(), position.z());
    }
    handleData_->Initialize();
    handleData_->SetPoints(points);
    handleData_->SetVerts(vertices);
    handleActor_->SetVisibility(!handles_.empty());
    viewport_->update();
}

bool PointCloudView::beginSceneDrag(QPointF position)
{
    for (std::size_t h = 0; h < handles_.size(); ++h) {
        const QVector3D centre = pointPosition(handles_[h].pointIndex);
        const double world[3] = {centre.x(), centre.y(), centre.z()};
        if (QLineF(viewport_->logicalPositionOf(world), position).length() <= kHandleGrabRadiusPx) {
            draggedHandle_ = h;
            emit handleGrabbed(handles_[h].pointIndex);
            return true;
        }
    }
    return false;
}

void PointCloudView::moveSceneDrag(QPointF position, Qt::KeyboardModifiers modifiers)
{
    if (!draggedHandle_)
        return;
    const std::size_t index = handles_[*draggedHandle_].pointIndex;
    const QVector3D current = pointPosition(index);
    const double origin[3] = {current.x(), current.y(), current.z()};
    double world[3];
    QVector3D moved = current;
    if (modifiers & Qt::ShiftModifier) {
        // Up and down: the vertical plane through the handle that faces the camera.
        double direction[3];
        viewport_->renderer()->GetActiveCamera()->GetDirectionOfProjection(direction);
        const double horizontal = std::hypot(direction[0], direction[1]);
        if (horizontal < 1e-3) // looking straight down: no vertical plane faces the camera
            return;
        const double normal[3] = {direction[0] / horizontal, direction[1] / horizontal, 0};
        if (!viewport_->worldPointOnPlane(position, origin, normal, world))
            return;
        moved.setZ(static_cast<float>(world[2]));
    } else {
        const double up[3] = {0, 0, 1}; // the data's z is height (RFID, simulator scenes)
        if (!viewport_->worldPointOnPlane(position, origin, up, world))
            return;
        moved = QVector3D(static_cast<float>(world[0]), static_cast<float>(world[1]), current.z());
    }
    // A ray that grazes the plane meets it far away: one move never jumps more than the cloud's size.
    if (shownCloudSize_ > 0 && (moved - current).length() > shownCloudSize_)
        return;
    movePoint(index, moved);
    emit handleMoved(index, moved);
}

void PointCloudView::endSceneDrag()
{
    if (!draggedHandle_)
        return;
    const std::size_t index = handles_[*draggedHandle_].pointIndex;
    draggedHandle_.reset();
    emit handleReleased(index, pointPosition(index));
}

void PointCloudView::keyPressEvent(QKeyEvent* event)
{
    if (event->key() == Qt::Key_Escape && picked_) {
        clearHighlight();
        emit pickCleared();
        return;
    }
    QWidget::keyPressEvent(event);
}

} // namespace ls::views
