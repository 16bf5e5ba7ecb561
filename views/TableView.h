#pragma once
// A Table dataset as a sortable, filterable table (numbers sort as numbers).
#include "engine/core/Dataset.h"

#include <QWidget>

class QLineEdit;
class QTableWidget;

namespace ls::views {

class TableView : public QWidget {
    Q_OBJECT
public:
    explicit TableView(QWidget* parent = nullptr);
    void setTable(const Table& table);
    QTableWidget* table() const { return table_; }
    int visibleRowCount() const;

signals:
    void rowActivated(int sourceRow); // double-clicked, in the dataset's row order

private:
    void applyFilter(const QString& text);
    QTableWidget* table_;
    QLineEdit* filter_;
};

} // namespace ls::views
