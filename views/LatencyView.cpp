#include "LatencyView.h"

#include "HistogramWidget.h"
#include "engine/core/LatencyComparison.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

namespace ls::views {
namespace {

constexpr const char* kTotalRow = "(repeat total)";

QString ms(double microseconds)
{
    return QString::number(microseconds / 1000.0, 'f', 3);
}

QTableWidgetItem* cell(const QString& text, bool numeric = true)
{
    auto* item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    if (numeric)
        item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

std::vector<double> stageDurations(const LatencyRecord& record, const QString& stage)
{
    return stage == kTotalRow ? record.repeatTotalsUs : record.durationsUs(stage.toStdString());
}

SampleStats stageStats(const LatencyRecord& record, const QString& stage)
{
    return computeStats(stageDurations(record, stage));
}

} // namespace

LatencyView::LatencyView(QWidget* parent) : QWidget(parent)
{
    runBox_ = new QComboBox(this);
    runBox_->setObjectName("latencyRun");
    compareBox_ = new QComboBox(this);
    compareBox_->setObjectName("latencyCompare");
    deviceLabel_ = new QLabel(this);
    deviceLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    table_ = new QTableWidget(this);
    table_->setObjectName("latencyTable");
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    histogram_ = new HistogramWidget(this);
    logCounts_ = new QCheckBox(tr("log counts"), this);

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Run:"), this));
    top->addWidget(runBox_, 1);
    top->addWidget(new QLabel(tr("compare with:"), this));
    top->addWidget(compareBox_, 1);
    top->addWidget(logCounts_);
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(table_);
    splitter->addWidget(histogram_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(top);
    layout->addWidget(deviceLabel_);
    layout->addWidget(splitter, 1);

    connect(runBox_, &QComboBox::currentIndexChanged, this, [this] {
        rebuildTable();
        emit selectedRunChanged(selectedRun());
    });
    connect(compareBox_, &QComboBox::currentIndexChanged, this, [this] {
        rebuildTable();
        emit comparedRunChanged(comparedRun());
    });
    connect(table_, &QTableWidget::itemSelectionChanged, this, [this] { showStageHistogram(); });
    connect(logCounts_, &QCheckBox::toggled, histogram_, &HistogramWidget::setLogCounts);
}

void LatencyView::setEntries(std::vector<LatencyEntry> entries)
{
    const int keepRun = selectedRun(), keepCompare = comparedRun();
    entries_ = std::move(entries);
    {
        QSignalBlocker blockRun(runBox_), blockCompare(compareBox_);
        runBox_->clear();
        compareBox_->clear();
        compareBox_->addItem(tr("(none)"), 0);
        for (const auto& e : entries_) {
            runBox_->addItem(e.label, e.runId);
            compareBox_->addItem(e.label, e.runId);
        }
        const int runIndex = runBox_->findData(keepRun);
        runBox_->setCurrentIndex(runIndex >= 0 ? runIndex : runBox_->count() - 1);
        const int compareIndex = compareBox_->findData(keepCompare);
        compareBox_->setCurrentIndex(compareIndex >= 0 ? compareIndex : 0);
    }
    rebuildTable();
    if (selectedRun() != keepRun)
        emit selectedRunChanged(selectedRun());
}

void LatencyView::selectRun(int runId)
{
    const int index = runBox_->findData(runId);
    if (index >= 0)
        runBox_->setCurrentIndex(index);
}

void LatencyView::compareWith(int runId)
{
    const int index = compareBox_->findData(runId);
    compareBox_->setCurrentIndex(index >= 0 ? index : 0);
}

int LatencyView::selectedRun() const
{
    return runBox_->currentData().toInt();
}

int LatencyView::comparedRun() const
{
    return compareBox_->currentData().toInt();
}

void LatencyView::selectStage(const QString& path)
{
    for (int row = 0; row < table_->rowCount(); ++row)
        if (table_->item(row, 0)->text() == path && table_->currentRow() != row)
            table_->selectRow(row);
}

const LatencyEntry* LatencyView::entry(int runId) const
{
    for (const auto& e : entries_)
        if (e.runId == runId)
            return &e;
    return nullptr;
}

void LatencyView::rebuildTable()
{
    const LatencyEntry* a = entry(selectedRun());
    const LatencyEntry* b = entry(comparedRun());
    table_->clear();
    table_->setRowCount(0);
    if (!a) {
        deviceLabel_->setText(tr("No runs yet."));
        histogram_->setSamples({}, {}, {});
        return;
    }
    deviceLabel_->setText(tr("%1 · %2 measured repeats (+%3 warm-up) · %4")
                              .arg(QString::fromStdString(a->record.device))
                              .arg(a->record.repeats)
                              .arg(a->record.warmupRepeats)
                              .arg(QString::fromStdString(a->record.startedAt)));
    QStringList stages;
    for (const auto& path : a->record.stagePaths())
        stages << QString::fromStdString(path);
    stages << kTotalRow;
    if (b) {
        fillComparison(compareRecords(a->record, b->record));
        return;
    }
    const QStringList headers{tr("Stage"), tr("Count"), tr("Mean ms"), tr("Median ms"), tr("σ ms"), tr("CV"),
                              tr("p75 ms"), tr("p90 ms"), tr("p99 ms"), tr("p99.9 ms"), tr("Min ms"), tr("Max ms")};
    table_->setColumnCount(headers.size());
    table_->setHorizontalHeaderLabels(headers);
    table_->setRowCount(stages.size());
    for (int row = 0; row < stages.size(); ++row) {
        const QString& stage = stages[row];
        table_->setItem(row, 0, cell(stage, false));
        const SampleStats s = stageStats(a->record, stage);
        const double values[] = {s.mean, s.median, s.stddev};
        table_->setItem(row, 1, cell(QString::number(s.count)));
        for (int c = 0; c < 3; ++c)
            table_->setItem(row, 2 + c, cell(ms(values[c])));
        table_->setItem(row, 5, cell(QString::number(s.cv, 'f', 3)));
        const double tail[] = {s.p75, s.p90, s.p99, s.p999, s.min, s.max};
        for (int c = 0; c < 6; ++c)
            table_->setItem(row, 6 + c, cell(ms(tail[c])));
    }
    table_->selectRow(stages.size() - 1);
    showStageHistogram();
}

void LatencyView::fillComparison(const std::vector<StageComparison>& rows)
{
    const QStringList headers{tr("Stage"), tr("A median ms"), tr("B median ms"), tr("B / A"), tr("Verdict"),
                              tr("A p25–p75 ms"), tr("B p25–p75 ms"), tr("A n"), tr("B n")};
    table_->setColumnCount(headers.size());
    table_->setHorizontalHeaderLabels(headers);
    table_->setRowCount(static_cast<int>(rows.size()));
    auto range = [](const SampleStats& s) { return s.count ? ms(s.p25) + " – " + ms(s.p75) : QStringLiteral("—"); };
    for (int row = 0; row < static_cast<int>(rows.size()); ++row) {
        const auto& r = rows[row];
        table_->setItem(row, 0, cell(QString::fromStdString(r.stage), false));
        table_->setItem(row, 1, cell(r.a.count ? ms(r.a.median) : "—"));
        table_->setItem(row, 2, cell(r.b.count ? ms(r.b.median) : "—"));
        table_->setItem(row, 3, cell(r.ratio > 0 ? QString::number(r.ratio, 'f', 2) + "×" : "—"));
        auto* verdict = cell(QString::fromUtf8(toString(r.verdict)), false);
        if (r.verdict == Verdict::Faster)
            verdict->setForeground(QColor(40, 160, 70));
        else if (r.verdict == Verdict::Slower)
            verdict->setForeground(QColor(210, 60, 50));
        verdict->setToolTip(tr("Faster or slower only when the two runs' interquartile ranges do not overlap "
                               "(at least %1 samples each); otherwise the difference is within run-to-run noise.")
                                .arg(kMinSamplesForVerdict));
        table_->setItem(row, 4, verdict);
        table_->setItem(row, 5, cell(range(r.a)));
        table_->setItem(row, 6, cell(range(r.b)));
        table_->setItem(row, 7, cell(QString::number(r.a.count)));
        table_->setItem(row, 8, cell(QString::number(r.b.count)));
    }
    table_->selectRow(table_->rowCount() - 1);
    showStageHistogram();
}

void LatencyView::showStageHistogram()
{
    const LatencyEntry* a = entry(selectedRun());
    const auto selected = table_->selectedItems();
    if (!a || selected.isEmpty()) {
        histogram_->setSamples({}, {}, {});
        return;
    }
    const QString stage = table_->item(selected.front()->row(), 0)->text();
    emit stageSelected(stage);
    const LatencyEntry* b = entry(comparedRun());
    histogram_->setSamples(tr("Distribution of '%1'").arg(stage), stageDurations(a->record, stage), b ? "A: " + a->label : a->label,
                           b ? stageDurations(b->record, stage) : std::vector<double>{}, b ? "B: " + b->label : QString());
}

} // namespace ls::views
