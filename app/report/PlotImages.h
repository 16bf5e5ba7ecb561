#pragma once
// Pictures for reports: latency histograms and timelines (through the studio's own views), and
// engine plots given as datasets (series as line plots, grids as heat maps).
#include "engine/core/Dataset.h"
#include "engine/core/LatencyRecorder.h"

#include <QImage>

namespace ls::report {

QImage histogramImage(const QString& title, const std::vector<double>& first, const QString& firstLabel,
                      const std::vector<double>& second = {}, const QString& secondLabel = {});
QImage timelineImage(const LatencyRecord& record, const QString& title);
QImage seriesImage(const Series& series, const QString& title);
QImage gridImage(const Grid& grid, const QString& title);

} // namespace ls::report
