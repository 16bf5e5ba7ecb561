// MainWindow: screenshots of the view or the whole window, at a chosen scale.
#include "MainWindow.h"

#include "ReportDialog.h"
#include "app/report/ReportWriters.h"
#include "engine/core/Error.h"

#include "views/PointCloudView.h"
#include "views/VtkViewport.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QProgressDialog>
#include <QImage>
#include <QInputDialog>
#include <QPainter>

namespace ls::studio {

QImage MainWindow::captureView(double scale) const
{
    return pointCloudView_->viewport()->renderImage(scale);
}

QImage MainWindow::captureWindow(double scale) const
{
    // Widgets are painted at `scale` by QPainter (crisp text); the GL view is rendered at that
    // resolution and painted over its place.
    QImage image(size() * scale, QImage::Format_RGB32);
    image.setDevicePixelRatio(scale);
    image.fill(palette().window().color());
    const_cast<MainWindow*>(this)->render(&image);
    auto* viewport = pointCloudView_->viewport();
    if (!viewport->isVisible()) // another tab is in front
        return image;
    QPainter painter(&image);
    const QPoint origin = viewport->mapTo(const_cast<MainWindow*>(this), QPoint(0, 0));
    const QImage view = viewport->renderImage(scale);
    painter.drawImage(QRectF(origin, viewport->size()), view);
    return image;
}

void MainWindow::exportScreenshot(bool wholeWindow)
{
    bool ok = false;
    const double scale = QInputDialog::getDouble(this, tr("Screenshot scale"), tr("Scale (1 = screen size):"), 2.0, 0.5, 4.0, 1, &ok);
    if (!ok)
        return;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export screenshot"), QString(), tr("PNG images (*.png)"));
    if (path.isEmpty())
        return;
    const QImage image = wholeWindow ? captureWindow(scale) : captureView(scale);
    if (image.isNull() || !image.save(path, "PNG"))
        log(tr("Could not write the screenshot to %1").arg(path), true);
    else
        log(tr("Screenshot %1×%2 written to %3").arg(image.width()).arg(image.height()).arg(path));
}

void MainWindow::markViewForReport()
{
    const host::RunRecord* run = session_.findRun(shownRunId_);
    const QString caption = tr("3D view: %1, coloured by %2")
                                .arg(run ? QString::fromStdString(run->label) : tr("no run"), pointCloudView_->colorBy());
    markedViews_.push_back({captureView(2.0), caption});
    log(tr("View marked for the report (%1 marked): %2").arg(markedViews_.size()).arg(caption));
}

void MainWindow::showReportDialog()
{
    if (session_.runs.empty()) {
        log(tr("Nothing to report yet: make a run first."), true);
        return;
    }
    const QString suggested = QDir(sessionPath_.isEmpty() ? QDir::homePath() : QFileInfo(sessionPath_).path())
                                  .filePath(QString::fromStdString(session_.name) + "-report.pdf");
    ReportDialog dialog(session_, static_cast<int>(markedViews_.size()), suggested, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    report::ReportOptions options;
    options.runIds = dialog.selectedRuns();
    options.comparisons = dialog.comparisons();
    if (dialog.includeMarkedViews())
        options.markedViews = markedViews_;
    options.sessionPath = sessionPath_;
    exportReport(dialog.outputPath(), std::move(options));
}

bool MainWindow::exportReport(const QString& path, report::ReportOptions options)
{
    if (options.sessionPath.isEmpty())
        options.sessionPath = sessionPath_;
    QProgressDialog progress(tr("Exporting the report…"), tr("Cancel"), 0, 1000, this);
    progress.setWindowModality(Qt::WindowModal);
    progress.setMinimumDuration(300);
    std::atomic<bool> cancel{false};
    connect(&progress, &QProgressDialog::canceled, this, [&cancel] { cancel = true; });
    // Building paints widgets, so it runs here on the UI thread, keeping the dialog alive.
    const auto onProgress = [&](double fraction, const QString& message) {
        progress.setValue(static_cast<int>(fraction * 1000));
        progress.setLabelText(message);
        QCoreApplication::processEvents();
    };
    // Each run with a point cloud gets its 3D view in its own section, drawn with the view's camera
    // (a run's marked views are added as the user marked them).
    std::vector<int> runIds = options.runIds;
    if (runIds.empty())
        for (const auto& run : session_.runs)
            runIds.push_back(run.id);
    for (int id : runIds)
        if (const host::RunRecord* run = session_.findRun(id))
            if (const Dataset* cloud = shownPointCloudOf(*run); cloud && !options.runViews.contains(id)) {
                pointCloudView_->showPointCloud(std::get<PointCloud>(cloud->content), QString::fromStdString(run->label));
                options.runViews[id] = pointCloudView_->viewport()->renderImage(2.0);
            }
    showRun(shownRunId_); // back to what the user was looking at
    try {
        const report::Document document = report::buildReport(session_, &registry_, options, onProgress, &cancel);
        report::writeReport(document, path, onProgress, &cancel);
    } catch (const CancelledError&) {
        log(tr("Report export cancelled; nothing was written."));
        return false;
    } catch (const std::exception& error) {
        log(tr("Could not export the report (the session is unchanged): %1").arg(QString::fromUtf8(error.what())), true);
        return false;
    }
    progress.setValue(1000);
    log(tr("Report written to %1").arg(path));
    return true;
}

} // namespace ls::studio
