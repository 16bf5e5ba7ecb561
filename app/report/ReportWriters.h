#pragma once
// Writes a report document as one self-contained HTML file (images embedded as data URIs, tables as
// real tables, no external requests; well-formed XHTML so tools can parse it) or as a PDF (Qt's
// QPdfWriter; pictures stored losslessly). Both go through a temporary file and a rename.
#include "ReportBuilder.h"

#include <QString>

namespace ls::report {

QString renderHtml(const Document& document);
void writeHtml(const Document& document, const QString& path);
void writePdf(const Document& document, const QString& path, const ProgressFn& progress = {},
              const std::atomic<bool>* cancel = nullptr);

// Chooses the writer by the file's extension (.pdf, .html/.htm); throws ArgumentError otherwise.
void writeReport(const Document& document, const QString& path, const ProgressFn& progress = {},
                 const std::atomic<bool>* cancel = nullptr);

} // namespace ls::report
