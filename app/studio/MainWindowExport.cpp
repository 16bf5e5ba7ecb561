// MainWindow: screenshots of the view or the whole window, at a chosen scale.
#include "MainWindow.h"

#include "views/PointCloudView.h"
#include "views/VtkViewport.h"

#include <QFileDialog>
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
    QPainter painter(&image);
    auto* viewport = pointCloudView_->viewport();
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

} // namespace ls::studio
