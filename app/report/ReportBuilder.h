#pragma once
// Builds the report of a session: a cover (versions, devices, date), one section per chosen run
// (engine, parameters, inputs, per-stage latency table, histograms, timeline, the engine's own
// sections), the comparisons asked for, and the views marked for the report.
#include "ReportDocument.h"
#include "app/host/PluginRegistry.h"
#include "app/host/Session.h"

#include <atomic>
#include <functional>

namespace ls::report {

struct MarkedView {
    QImage image; // at print resolution
    QString caption;
};

struct ReportOptions {
    std::vector<int> runIds;                     // empty: every run
    std::vector<std::pair<int, int>> comparisons; // (run A, run B)
    std::vector<MarkedView> markedViews;
    // A run's point cloud as the 3D view draws it, by run id, placed in that run's own section
    // (the studio renders them; the CLI has no OpenGL to do so and leaves this empty).
    std::map<int, QImage> runViews;
    QString sessionPath;                          // shown on the cover
};

using ProgressFn = std::function<void(double fraction, const QString& message)>;

// Throws ArgumentError for unknown run ids, CancelledError when `cancel` is set. `registry` may be
// null (then no plugin versions and no engine sections).
Document buildReport(const host::Session& session, const host::PluginRegistry* registry, const ReportOptions& options,
                     const ProgressFn& progress = {}, const std::atomic<bool>* cancel = nullptr);

} // namespace ls::report
