#pragma once
// File → Export report…: which runs, which comparisons, whether to include the marked views, and
// where to write (the extension picks PDF or HTML).
#include "app/host/Session.h"

#include <QDialog>
#include <utility>
#include <vector>

class QCheckBox;
class QComboBox;
class QLineEdit;
class QListWidget;

namespace ls::studio {

class ReportDialog : public QDialog {
    Q_OBJECT
public:
    ReportDialog(const host::Session& session, int markedViewCount, const QString& suggestedPath, QWidget* parent = nullptr);

    std::vector<int> selectedRuns() const;
    std::vector<std::pair<int, int>> comparisons() const;
    bool includeMarkedViews() const;
    QString outputPath() const;

private:
    QListWidget* runs_;
    QListWidget* comparisons_;
    QComboBox* runA_;
    QComboBox* runB_;
    QCheckBox* includeViews_;
    QLineEdit* path_;
};

} // namespace ls::studio
