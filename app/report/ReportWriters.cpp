#include "ReportWriters.h"

#include "engine/core/AtomicFile.h"
#include "engine/core/Error.h"

#include <QBuffer>
#include <QFileInfo>
#include <QPageLayout>
#include <QPainter>
#include <QPdfWriter>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QUrl>
#include <QAbstractTextDocumentLayout>

namespace ls::report {
namespace {

// The PDF page's text area is 180 × 267 mm (A4, 15 mm margins); an <img>'s size is in CSS pixels
// of 1/96 inch, so the area is 680 × 1009 of them. A picture's shown size stays within it, with
// room for a two-line caption below.
constexpr double kMaxPdfPictureWidth = 680;
constexpr double kMaxPdfPictureHeight = 930;

constexpr const char* kStyle =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:10pt;color:#1b1f24;max-width:1000px;margin:24px auto;}"
    "h1{font-size:18pt;border-bottom:2px solid #3b6fd6;padding-bottom:4px;}"
    "h2{font-size:14pt;margin-top:28px;color:#23407a;}h3{font-size:11pt;color:#23407a;}"
    "table{border-collapse:collapse;margin:8px 0 14px 0;}"
    "th,td{border:1px solid #b9c2cf;padding:3px 8px;}th{background:#e8eef8;text-align:left;}"
    "td.n{text-align:right;font-family:'DejaVu Sans Mono',monospace;}"
    "caption{text-align:left;font-style:italic;padding:2px 0;white-space:nowrap;}"
    "figure{margin:10px 0;}figcaption{font-style:italic;font-size:9pt;}";

QString escaped(const QString& text)
{
    return text.toHtmlEscaped();
}

bool looksNumeric(const QString& cell)
{
    bool ok = false;
    cell.toDouble(&ok);
    return ok;
}

QByteArray pngBytes(const QImage& image)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return bytes;
}

// One HTML body for both outputs; `imageSource` gives each picture's src (a data URI in the HTML
// file, a resource name for the PDF's text document).
QString body(const Document& document, const std::function<QString(const QImage&, int)>& imageSource, bool forPdf)
{
    QString html;
    int imageIndex = 0;
    for (const auto& section : document.sections) {
        const int level = std::clamp(section.level + 1, 1, 3);
        html += QStringLiteral("<h%1>%2</h%1>\n").arg(level).arg(escaped(section.heading));
        for (const auto& block : section.blocks) {
            if (const auto* paragraph = std::get_if<Paragraph>(&block)) {
                html += "<p>" + escaped(paragraph->text) + "</p>\n";
            } else if (const auto* table = std::get_if<TableBlock>(&block)) {
                html += forPdf ? QStringLiteral("<table border=\"1\" cellspacing=\"0\" cellpadding=\"3\">") : QStringLiteral("<table>");
                if (!table->caption.isEmpty())
                    html += "<caption>" + escaped(table->caption) + "</caption>";
                html += "<thead><tr>";
                for (const auto& header : table->headers)
                    html += "<th>" + escaped(header) + "</th>";
                html += "</tr></thead><tbody>\n";
                for (const auto& row : table->rows) {
                    html += "<tr>";
                    for (const auto& cell : row)
                        html += (looksNumeric(cell) ? QStringLiteral("<td class=\"n\" align=\"right\">") : QStringLiteral("<td>")) +
                                escaped(cell) + "</td>";
                    html += "</tr>\n";
                }
                html += "</tbody></table>\n";
            } else if (const auto* image = std::get_if<ImageBlock>(&block)) {
                // Pictures are rendered at twice their print size; show them at half their pixels.
                int width = std::min(image->image.width() / 2, 900);
                // In a PDF a picture must fit on one page with its caption: a tall one (a timeline
                // of many lanes) is shown narrower rather than cut at the page edge.
                if (forPdf && image->image.width() > 0) {
                    width = std::min(width, static_cast<int>(kMaxPdfPictureWidth));
                    const double height = static_cast<double>(width) * image->image.height() / image->image.width();
                    if (height > kMaxPdfPictureHeight)
                        width = std::max(1, static_cast<int>(width * kMaxPdfPictureHeight / height));
                }
                // Qt's PDF layout gives <figure> wide margins, which left a caption nearer the next
                // picture than its own (seen in a rendered report). One paragraph holds both, and
                // writePdf keeps its lines on one page.
                const QString pattern = forPdf ? QStringLiteral("<p><img src=\"%1\" width=\"%2\" alt=\"%3\"/><br/><i>%3</i></p>\n")
                                               : QStringLiteral("<figure><img src=\"%1\" width=\"%2\" alt=\"%3\"/><figcaption>%3</figcaption></figure>\n");
                html += pattern.arg(imageSource(image->image, imageIndex++)).arg(width).arg(escaped(image->caption));
            }
        }
    }
    return html;
}

} // namespace

QString renderHtml(const Document& document)
{
    const QString content = body(document, [](const QImage& image, int) {
        return QStringLiteral("data:image/png;base64,") + QString::fromLatin1(pngBytes(image).toBase64());
    }, false);
    return QStringLiteral("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
                          "<meta charset=\"utf-8\"/>\n<title>%1</title>\n<style>%2</style>\n</head>\n<body>\n%3</body>\n</html>\n")
        .arg(escaped(document.title), QString::fromLatin1(kStyle), content);
}

void writeHtml(const Document& document, const QString& path)
{
    const QByteArray utf8 = renderHtml(document).toUtf8();
    writeTextAtomically(path.toStdString(), std::string_view(utf8.constData(), static_cast<std::size_t>(utf8.size())));
}

void writePdf(const Document& document, const QString& path, const ProgressFn& progress, const std::atomic<bool>* cancel)
{
    replaceFileAtomically(path.toStdString(), [&](const std::filesystem::path& temp) {
        QPdfWriter writer(QString::fromStdString(temp.string()));
        writer.setTitle(document.title);
        writer.setCreator(QStringLiteral("Latency Studio"));
        writer.setResolution(200);
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Portrait, QMarginsF(15, 15, 15, 15),
                                         QPageLayout::Millimeter));
        QPainter painter;
        if (!painter.begin(&writer))
            throw FileError(path.toStdString(), "cannot write the PDF (is the folder writable?)");
        // Plots and screenshots must stay sharp: PDF images are otherwise stored as JPEG.
        painter.setRenderHint(QPainter::LosslessImageRendering);

        QTextDocument text;
        text.documentLayout()->setPaintDevice(&writer);
        text.setDefaultStyleSheet(QStringLiteral("th{background:#e8eef8;} h1{color:#1b1f24;} h2,h3{color:#23407a;}"));
        std::vector<QImage> images;
        const QString html = body(document, [&](const QImage& image, int index) {
            const QString name = QStringLiteral("report-image-%1").arg(index);
            text.addResource(QTextDocument::ImageResource, QUrl(name), image);
            images.push_back(image);
            return name;
        }, true);
        text.setHtml(html); // the cover section carries the title
        // A paragraph holding a picture (and its caption) is never split across pages.
        for (QTextBlock block = text.begin(); block.isValid(); block = block.next())
            if (block.text().contains(QChar::ObjectReplacementCharacter)) {
                QTextCursor cursor(block);
                QTextBlockFormat format = block.blockFormat();
                format.setNonBreakableLines(true);
                cursor.setBlockFormat(format);
            }
        const QRectF page = writer.pageLayout().paintRectPixels(writer.resolution());
        text.setPageSize(page.size());
        const int pages = text.pageCount();
        for (int p = 0; p < pages; ++p) {
            if (cancel && cancel->load()) {
                painter.end();
                throw CancelledError();
            }
            if (progress)
                progress(static_cast<double>(p) / pages, QObject::tr("PDF page %1 of %2").arg(p + 1).arg(pages));
            if (p > 0)
                writer.newPage();
            painter.save();
            painter.translate(0, -p * page.height());
            text.drawContents(&painter, QRectF(0, p * page.height(), page.width(), page.height()));
            painter.restore();
        }
        if (!painter.end())
            throw FileError(path.toStdString(), "writing the PDF failed (disk full?)");
    });
}

void writeReport(const Document& document, const QString& path, const ProgressFn& progress, const std::atomic<bool>* cancel)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == "pdf")
        writePdf(document, path, progress, cancel);
    else if (suffix == "html" || suffix == "htm")
        writeHtml(document, path);
    else
        throw ArgumentError(path.toStdString() + ": a report is written as .pdf or .html");
}

} // namespace ls::report
