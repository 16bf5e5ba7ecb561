#include "TableView.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>

namespace ls::views {
namespace {

constexpr int kSourceRowRole = Qt::UserRole + 1;

} // namespace

TableView::TableView(QWidget* parent) : QWidget(parent)
{
    filter_ = new QLineEdit(this);
    filter_->setPlaceholderText(tr("Filter rows (text in any column)"));
    filter_->setClearButtonEnabled(true);
    table_ = new QTableWidget(this);
    table_->setSortingEnabled(true);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->verticalHeader()->hide();
    compare_ = new QPushButton(tr("Compare the two selected"), this);
    compare_->setToolTip(tr("Select two rows (Ctrl+click) to see them side by side."));
    compare_->setEnabled(false);
    compare_->hide();
    auto* top = new QHBoxLayout;
    top->addWidget(filter_, 1);
    top->addWidget(compare_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(top);
    layout->addWidget(table_, 1);
    connect(table_, &QTableWidget::itemSelectionChanged, this, [this] { compare_->setEnabled(selectedSourceRows().size() == 2); });
    connect(compare_, &QPushButton::clicked, this, [this] {
        const QList<int> rows = selectedSourceRows();
        if (rows.size() == 2)
            emit rowsCompared(rows[0], rows[1]);
    });
    connect(filter_, &QLineEdit::textChanged, this, &TableView::applyFilter);
    connect(table_, &QTableWidget::cellDoubleClicked, this,
            [this](int row, int) { emit rowActivated(table_->item(row, 0)->data(kSourceRowRole).toInt()); });
}

void TableView::setTable(const Table& table)
{
    table_->setSortingEnabled(false);
    table_->clear();
    table_->setColumnCount(static_cast<int>(table.columns.size()));
    table_->setRowCount(static_cast<int>(table.rows.size()));
    QStringList headers;
    for (const auto& column : table.columns)
        headers << QString::fromStdString(column);
    table_->setHorizontalHeaderLabels(headers);
    for (int r = 0; r < static_cast<int>(table.rows.size()); ++r)
        for (int c = 0; c < static_cast<int>(table.rows[r].size()) && c < table_->columnCount(); ++c) {
            const QString text = QString::fromStdString(table.rows[r][c]);
            auto* item = new QTableWidgetItem;
            bool numeric = false;
            const double value = text.toDouble(&numeric);
            if (numeric) { // sort numbers by value, show them as written
                item->setData(Qt::EditRole, value);
                item->setData(Qt::DisplayRole, text);
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            } else {
                item->setText(text);
            }
            item->setData(kSourceRowRole, r);
            table_->setItem(r, c, item);
        }
    table_->setSortingEnabled(true);
    applyFilter(filter_->text());
}

void TableView::applyFilter(const QString& text)
{
    for (int r = 0; r < table_->rowCount(); ++r) {
        bool match = text.isEmpty();
        for (int c = 0; !match && c < table_->columnCount(); ++c)
            match = table_->item(r, c) && table_->item(r, c)->text().contains(text, Qt::CaseInsensitive);
        table_->setRowHidden(r, !match);
    }
}

void TableView::setComparable(bool comparable)
{
    compare_->setVisible(comparable);
}

QList<int> TableView::selectedSourceRows() const
{
    QList<int> rows;
    for (const QModelIndex& index : table_->selectionModel()->selectedRows())
        rows << table_->item(index.row(), 0)->data(kSourceRowRole).toInt();
    std::sort(rows.begin(), rows.end());
    return rows;
}

int TableView::visibleRowCount() const
{
    int visible = 0;
    for (int r = 0; r < table_->rowCount(); ++r)
        visible += !table_->isRowHidden(r);
    return visible;
}

} // namespace ls::views
