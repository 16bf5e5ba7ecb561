#pragma once
// What an engine contributes to exported reports for one of its runs, without Qt: paragraphs,
// tables, and plots given as datasets (a Grid is drawn as a heat map, a Series as line plots).
// The studio turns these into the same content in PDF and HTML.
#include "Dataset.h"

#include <string>
#include <variant>
#include <vector>

namespace ls {

struct ReportParagraph {
    std::string text;
};

struct ReportPlot {
    std::string caption;
    std::variant<Grid, Series> data;
};

using ReportBlock = std::variant<ReportParagraph, Table, ReportPlot>;

struct ReportSection {
    std::string title;
    std::vector<ReportBlock> blocks;
};

} // namespace ls
