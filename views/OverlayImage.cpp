#include "OverlayImage.h"

#include <QOpenGLContext>
#include <QOpenGLFunctions>
#include <imgui.h>

namespace ls::views {

OverlayImage::~OverlayImage()
{
    // Deleted only with its context current; otherwise the context frees it when it goes.
    if (texture_ && context_ && QOpenGLContext::currentContext() == context_)
        context_->functions()->glDeleteTextures(1, &texture_);
}

void OverlayImage::setImage(const QImage& image)
{
    image_ = image.isNull() ? QImage() : image.convertToFormat(QImage::Format_RGBA8888);
    uploaded_ = false;
}

void OverlayImage::draw(float width)
{
    QOpenGLContext* current = QOpenGLContext::currentContext();
    if (image_.isNull() || !current)
        return;
    QOpenGLFunctions* gl = current->functions();
    if (context_ != current) { // first use, or the viewport made a new context
        texture_ = 0;
        context_ = current;
        uploaded_ = false;
    }
    if (!texture_)
        gl->glGenTextures(1, &texture_);
    GLint previous = 0; // VTK's binding, restored below
    gl->glGetIntegerv(GL_TEXTURE_BINDING_2D, &previous);
    gl->glBindTexture(GL_TEXTURE_2D, texture_);
    if (!uploaded_) {
        // Nearest: the map's cells stay crisp when scaled up, as in the dataset tabs.
        gl->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
        gl->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
        gl->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        gl->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        gl->glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, image_.width(), image_.height(), 0, GL_RGBA, GL_UNSIGNED_BYTE, image_.constBits());
        uploaded_ = true;
    }
    gl->glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(previous));
    const float height = width * image_.height() / image_.width();
    ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(texture_)), ImVec2(width, height));
}

} // namespace ls::views
