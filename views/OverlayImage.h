#pragma once
// A picture drawn inside the viewport's ImGui overlay (the spectrum at a dragged transmitter): an
// OpenGL texture in the viewport's context, uploaded again only when the picture changes.
#include <QImage>
#include <QPointer>

class QOpenGLContext;

namespace ls::views {

class OverlayImage {
public:
    OverlayImage() = default;
    ~OverlayImage();
    OverlayImage(const OverlayImage&) = delete;
    OverlayImage& operator=(const OverlayImage&) = delete;

    void setImage(const QImage& image);
    void clear() { setImage({}); }
    bool isEmpty() const { return image_.isNull(); }
    const QImage& image() const { return image_; }

    // Draws it `width` logical pixels wide, aspect kept (ImGui::Image). Call inside the overlay's
    // frame: the viewport's GL context is current there.
    void draw(float width);

private:
    QImage image_; // RGBA8888
    bool uploaded_ = false;
    unsigned texture_ = 0;
    QPointer<QOpenGLContext> context_; // the context that owns texture_
};

} // namespace ls::views
