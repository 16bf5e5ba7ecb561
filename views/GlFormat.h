#pragma once
namespace ls::views {
// OpenGL 3.2 core with a 24-bit depth buffer: what VTK 9.1 and ImGui's GL3 backend need, and what
// Mesa's llvmpipe provides under Xvfb. Call before the QApplication is constructed.
void setDefaultSurfaceFormat();
} // namespace ls::views
