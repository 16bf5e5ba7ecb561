#pragma once
// The content of an exported report, independent of the output format: the PDF and the HTML
// writers render the same document, so both show the same numbers and pictures.
#include <QImage>
#include <QString>
#include <QStringList>
#include <variant>
#include <vector>

namespace ls::report {

struct Paragraph {
    QString text; // plain text
};

struct TableBlock {
    QStringList headers;
    std::vector<QStringList> rows;
    QString caption;
};

struct ImageBlock {
    QImage image;
    QString caption;
};

using Block = std::variant<Paragraph, TableBlock, ImageBlock>;

struct Section {
    QString heading;
    int level = 1; // 1: a run or comparison, 2: a part of it
    std::vector<Block> blocks;
};

struct Document {
    QString title;
    std::vector<Section> sections; // the first is the cover
};

} // namespace ls::report
