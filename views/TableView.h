#pragma once
// A Table dataset as a sortable, filterable table (numbers sort as numbers).
#include "engine/core/Dataset.h"

#include <QWidget>

class QLineEdit;
class QPushButton;
class QTableWidget;

namespace ls::views {

class TableView : public QWidget {
    Q_OBJECT
public:
    explicit TableView(QWidget* parent = nullptr);
    void setTable(const Table& table);
    QTableWidget* table() const { return table_; }
    int visibleRowCount() const;
    // Shows a "Compare" button, enabled while exactly two rows are selected.
    void setComparable(bool comparable);
    QPushButton* compareButton() const { return compare_; }

signals:
    void rowActivated(int sourceRow); // double-clicked, in the dataset's row order
    void rowsCompared(int firstSourceRow, int secondSourceRow);

private:
    void applyFilter(const QString& text);
    QList<int> selectedSourceRows() const;
    QTableWidget* table_;
    QLineEdit* filter_;
    QPushButton* compare_;
};

} // namespace ls::views
