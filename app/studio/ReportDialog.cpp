#include "ReportDialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace ls::studio {

ReportDialog::ReportDialog(const host::Session& session, int markedViewCount, const QString& suggestedPath, QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Export report"));
    resize(620, 520);
    runs_ = new QListWidget(this);
    comparisons_ = new QListWidget(this);
    runA_ = new QComboBox(this);
    runB_ = new QComboBox(this);
    for (const auto& run : session.runs) {
        const QString label = QString::fromStdString(run.label);
        auto* item = new QListWidgetItem(label, runs_);
        item->setData(Qt::UserRole, run.id);
        item->setCheckState(Qt::Checked);
        runA_->addItem(label, run.id);
        runB_->addItem(label, run.id);
    }
    if (runB_->count() > 1)
        runB_->setCurrentIndex(runB_->count() - 1);
    auto* addComparison = new QPushButton(tr("Add comparison"), this);
    auto* removeComparison = new QPushButton(tr("Remove"), this);
    includeViews_ = new QCheckBox(tr("Include the views marked for the report (%1 marked; View → Mark 3D view for report)").arg(markedViewCount), this);
    includeViews_->setChecked(markedViewCount > 0);
    includeViews_->setEnabled(markedViewCount > 0);
    path_ = new QLineEdit(suggestedPath, this);
    auto* browse = new QPushButton(tr("…"), this);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Export"));

    auto* pairRow = new QHBoxLayout;
    pairRow->addWidget(new QLabel(tr("A:"), this));
    pairRow->addWidget(runA_, 1);
    pairRow->addWidget(new QLabel(tr("B:"), this));
    pairRow->addWidget(runB_, 1);
    pairRow->addWidget(addComparison);
    pairRow->addWidget(removeComparison);
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(path_, 1);
    pathRow->addWidget(browse);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Runs"), this));
    layout->addWidget(runs_, 2);
    layout->addWidget(new QLabel(tr("Comparisons (per-stage ratios, verdicts, overlaid histograms)"), this));
    layout->addLayout(pairRow);
    layout->addWidget(comparisons_, 1);
    layout->addWidget(includeViews_);
    layout->addWidget(new QLabel(tr("File (.pdf or .html)"), this));
    layout->addLayout(pathRow);
    layout->addWidget(buttons);

    connect(addComparison, &QPushButton::clicked, this, [this] {
        if (runA_->currentIndex() < 0 || runA_->currentData() == runB_->currentData())
            return;
        auto* item = new QListWidgetItem(tr("%1  vs  %2").arg(runA_->currentText(), runB_->currentText()), comparisons_);
        item->setData(Qt::UserRole, runA_->currentData());
        item->setData(Qt::UserRole + 1, runB_->currentData());
    });
    connect(removeComparison, &QPushButton::clicked, this, [this] { delete comparisons_->currentItem(); });
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getSaveFileName(this, tr("Export report"), path_->text(),
                                                          tr("PDF (*.pdf);;Self-contained HTML (*.html)"));
        if (!file.isEmpty())
            path_->setText(file);
    });
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

std::vector<int> ReportDialog::selectedRuns() const
{
    std::vector<int> ids;
    for (int i = 0; i < runs_->count(); ++i)
        if (runs_->item(i)->checkState() == Qt::Checked)
            ids.push_back(runs_->item(i)->data(Qt::UserRole).toInt());
    return ids;
}

std::vector<std::pair<int, int>> ReportDialog::comparisons() const
{
    std::vector<std::pair<int, int>> pairs;
    for (int i = 0; i < comparisons_->count(); ++i)
        pairs.emplace_back(comparisons_->item(i)->data(Qt::UserRole).toInt(), comparisons_->item(i)->data(Qt::UserRole + 1).toInt());
    return pairs;
}

bool ReportDialog::includeMarkedViews() const
{
    return includeViews_->isChecked();
}

QString ReportDialog::outputPath() const
{
    return path_->text().trimmed();
}

} // namespace ls::studio
