#include "SweepDialog.h"

#include "engine/core/AtomicFile.h"
#include "engine/core/Error.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QComboBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QVBoxLayout>

#include <csignal>

namespace ls::studio {

namespace {
constexpr int kValuesColumn = 2;
}

SweepDialog::SweepDialog(std::string engineId, QString engineName, ParameterSchema schema, ParameterValues current, QString workFolder,
                         QWidget* parent)
    : QDialog(parent), engineId_(std::move(engineId)), schema_(std::move(schema)), current_(std::move(current)), workFolder_(std::move(workFolder))
{
    setWindowTitle(tr("Sweep %1").arg(engineName));
    setObjectName("sweepDialog");
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("List values to sweep (for example 1000, 5000, 20000); the other parameters keep their current "
                                "values. Every combination runs, for each seed and device."),
                             this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    grid_ = new QTableWidget(this);
    grid_->setObjectName("sweepGrid");
    grid_->setColumnCount(3);
    grid_->setHorizontalHeaderLabels({tr("Parameter"), tr("Current"), tr("Values to sweep")});
    grid_->horizontalHeader()->setStretchLastSection(true);
    grid_->verticalHeader()->hide();
    for (const ParameterSpec& spec : schema_.specs) {
        if (spec.type == ParameterType::File || spec.key == "seed")
            continue; // files are inputs, not a grid; the seed has its own row below
        const int row = grid_->rowCount();
        grid_->insertRow(row);
        auto* name = new QTableWidgetItem(QString::fromStdString(spec.label.empty() ? spec.key : spec.label));
        name->setData(Qt::UserRole, QString::fromStdString(spec.key));
        name->setFlags(name->flags() & ~Qt::ItemIsEditable);
        name->setToolTip(QString::fromStdString(spec.help));
        grid_->setItem(row, 0, name);
        const auto found = current_.find(spec.key);
        auto* now = new QTableWidgetItem(found == current_.end() ? QString() : QString::fromStdString(formatParameterValue(found->second)));
        now->setFlags(now->flags() & ~Qt::ItemIsEditable);
        grid_->setItem(row, 1, now);
        grid_->setItem(row, kValuesColumn, new QTableWidgetItem());
    }
    grid_->resizeColumnsToContents();
    layout->addWidget(grid_, 1);

    auto* form = new QFormLayout;
    seeds_ = new QLineEdit(this);
    seeds_->setObjectName("sweepSeeds");
    seeds_->setPlaceholderText(schema_.find("seed") ? tr("e.g. 1, 2, 3 (empty: the current seed)") : tr("this engine has no seed"));
    seeds_->setEnabled(schema_.find("seed") != nullptr);
    form->addRow(tr("Seeds"), seeds_);
    repeats_ = new QSpinBox(this);
    repeats_->setRange(1, 100000);
    repeats_->setValue(5);
    warmup_ = new QSpinBox(this);
    warmup_->setRange(0, 100000);
    warmup_->setValue(1);
    form->addRow(tr("Repeats"), repeats_);
    form->addRow(tr("Warm-up repeats"), warmup_);
    devices_ = new QLineEdit("auto", this);
    devices_->setToolTip(tr("cpu, cuda (each rank's own GPU), cuda:N or auto, separated by commas: each is a run of its own"));
    form->addRow(tr("Devices"), devices_);
    ranks_ = new QSpinBox(this);
    ranks_->setRange(1, 4096);
    ranks_->setToolTip(tr("MPI ranks: more than 1 runs it under mpirun here, or asks Slurm for that many tasks"));
    form->addRow(tr("Ranks"), ranks_);
    schedule_ = new QComboBox(this);
    schedule_->addItems({tr("static (run i on rank i mod N)"), tr("dynamic (the next run to a free rank)")});
    form->addRow(tr("Schedule"), schedule_);
    layout->addLayout(form);

    count_ = new QLabel(this);
    count_->setObjectName("sweepCount");
    layout->addWidget(count_);
    progress_ = new QProgressBar(this);
    progress_->setVisible(false);
    layout->addWidget(progress_);
    status_ = new QLabel(this);
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(status_);

    auto* buttons = new QDialogButtonBox(this);
    run_ = buttons->addButton(tr("Run here"), QDialogButtonBox::AcceptRole);
    cluster_ = buttons->addButton(tr("Write for a cluster…"), QDialogButtonBox::ActionRole);
    cancel_ = buttons->addButton(tr("Cancel sweep"), QDialogButtonBox::ActionRole);
    cancel_->setEnabled(false);
    buttons->addButton(QDialogButtonBox::Close);
    connect(run_, &QPushButton::clicked, this, [this] { runHere(); });
    connect(cluster_, &QPushButton::clicked, this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Folder for the sweep file and sbatch script"), workFolder_);
        if (!folder.isEmpty())
            writeForCluster(folder);
    });
    connect(cancel_, &QPushButton::clicked, this, &SweepDialog::cancel);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);

    connect(grid_, &QTableWidget::itemChanged, this, &SweepDialog::refreshCount);
    for (QLineEdit* edit : {seeds_, devices_})
        connect(edit, &QLineEdit::textChanged, this, &SweepDialog::refreshCount);
    refreshCount();
    resize(620, 560);
}

SweepDialog::~SweepDialog()
{
    if (isRunning()) { // closing the window stops the sweep: its runs belong to this session
        cancel();
        process_->waitForFinished(5000);
    }
}

SweepChoices SweepDialog::choices() const
{
    SweepChoices choices;
    choices.engineId = engineId_;
    choices.current = current_;
    for (int row = 0; row < grid_->rowCount(); ++row) {
        const std::string key = grid_->item(row, 0)->data(Qt::UserRole).toString().toStdString();
        const QTableWidgetItem* values = grid_->item(row, kValuesColumn);
        if (!values || values->text().trimmed().isEmpty())
            continue;
        auto parsed = parseSweepValues(*schema_.find(key), values->text().toStdString());
        if (!parsed.empty())
            choices.grid[key] = std::move(parsed);
    }
    if (const ParameterSpec* seed = schema_.find("seed"); seed && !seeds_->text().trimmed().isEmpty())
        for (const auto& value : parseSweepValues(*seed, seeds_->text().toStdString()))
            choices.seeds.push_back(std::stoll(value));
    choices.repeats = repeats_->value();
    choices.warmup = warmup_->value();
    choices.devices.clear();
    for (const QString& device : devices_->text().split(QRegularExpression("[,; ]+"), Qt::SkipEmptyParts))
        choices.devices.push_back(device.toStdString());
    if (choices.devices.empty())
        choices.devices.push_back("auto");
    choices.dynamic = schedule_->currentIndex() == 1;
    return choices;
}

void SweepDialog::setSweepValues(const QString& key, const QString& values)
{
    for (int row = 0; row < grid_->rowCount(); ++row)
        if (grid_->item(row, 0)->data(Qt::UserRole).toString() == key)
            grid_->item(row, kValuesColumn)->setText(values);
}

void SweepDialog::setSeeds(const QString& seeds) { seeds_->setText(seeds); }
void SweepDialog::setRanks(int ranks) { ranks_->setValue(ranks); }
void SweepDialog::setRepeats(int repeats, int warmup)
{
    repeats_->setValue(repeats);
    warmup_->setValue(warmup);
}

void SweepDialog::refreshCount()
{
    try {
        const SweepChoices now = choices();
        const std::size_t runs = sweepRunCount(now);
        count_->setText(runs == 0 ? tr("List values for at least one parameter.") : tr("%n run(s)", "", static_cast<int>(runs)));
        run_->setEnabled(runs > 0 && !isRunning());
        cluster_->setEnabled(runs > 0);
    } catch (const StudioError& error) {
        count_->setText(QString::fromUtf8(error.what()));
        run_->setEnabled(false);
        cluster_->setEnabled(false);
    }
}

QString SweepDialog::cliPath() const
{
    const QString beside = QDir(QCoreApplication::applicationDirPath()).filePath("latency-studio-cli");
    return QFileInfo(beside).isExecutable() ? beside : QStandardPaths::findExecutable("latency-studio-cli");
}

bool SweepDialog::runHere()
{
    if (isRunning())
        return false;
    try {
        const SweepChoices now = choices();
        const QString cli = cliPath();
        if (cli.isEmpty())
            throw DeviceError("latency-studio-cli is neither beside the studio nor on PATH");
        const QString stamp = QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss");
        const QString sweepPath = QDir(workFolder_).filePath("sweep-" + stamp + ".json");
        sessionPath_ = QDir(workFolder_).filePath("sweep-" + stamp + ".lstudio");
        writeTextAtomically(sweepPath.toStdString(), sweepDocument(schema_, now).dump(2) + "\n");
        QString program = cli;
        QStringList arguments{"sweep", sweepPath, "--session-out", sessionPath_};
        if (ranks_->value() > 1) {
            program = QStandardPaths::findExecutable("mpirun");
            if (program.isEmpty())
                throw DeviceError("more than one rank needs mpirun (Debian openmpi-bin)");
            arguments.prepend(cli);
            arguments = QStringList{"-np", QString::number(ranks_->value()), "--oversubscribe"} + arguments;
        }
        process_ = new QProcess(this);
        process_->setProcessChannelMode(QProcess::MergedChannels);
        connect(process_, &QProcess::readyRead, this, &SweepDialog::onOutput);
        connect(process_, &QProcess::finished, this, [this](int exitCode) { onFinished(exitCode); });
        runsDone_ = 0;
        runsTotal_ = static_cast<int>(sweepRunCount(now));
        progress_->setRange(0, runsTotal_);
        progress_->setValue(0);
        progress_->setVisible(true);
        status_->setText(tr("Running %1 runs: %2").arg(runsTotal_).arg(QDir::toNativeSeparators(sweepPath)));
        run_->setEnabled(false);
        cancel_->setEnabled(true);
        process_->start(program, arguments);
        if (!process_->waitForStarted(10000))
            throw DeviceError(("cannot start " + program + ": " + process_->errorString()).toStdString());
        return true;
    } catch (const StudioError& error) {
        status_->setText(tr("Not started: %1").arg(QString::fromUtf8(error.what())));
        run_->setEnabled(true);
        cancel_->setEnabled(false);
        return false;
    }
}

void SweepDialog::onOutput()
{
    while (process_->canReadLine()) {
        const QString line = QString::fromUtf8(process_->readLine()).trimmed();
        if (line.startsWith("[rank ") && line.contains(" run ")) {
            progress_->setValue(++runsDone_);
            status_->setText(line);
        } else if (!line.isEmpty()) {
            lastLines_ = (lastLines_ + "\n" + line).right(2000);
        }
    }
}

void SweepDialog::cancel()
{
    if (!isRunning())
        return;
    // The CLI stops on SIGUSR1 (which mpirun passes to every rank) and still writes what finished.
    ::kill(static_cast<pid_t>(process_->processId()), SIGUSR1);
    status_->setText(tr("Cancelling: the runs in progress stop; the finished ones are kept."));
}

void SweepDialog::onFinished(int exitCode)
{
    onOutput();
    progress_->setVisible(false);
    cancel_->setEnabled(false);
    refreshCount();
    const bool written = QFileInfo::exists(sessionPath_);
    status_->setText(written ? tr("Sweep finished (exit %1): its runs and summary are in the session.").arg(exitCode)
                             : tr("The sweep failed (exit %1): %2").arg(exitCode).arg(lastLines_.trimmed()));
    if (written)
        emit sweepFinished(sessionPath_, exitCode);
}

bool SweepDialog::writeForCluster(const QString& folder)
{
    try {
        const SweepChoices now = choices();
        writeTextAtomically(QDir(folder).filePath("sweep.json").toStdString(), sweepDocument(schema_, now).dump(2) + "\n");
        const bool gpus = std::any_of(now.devices.begin(), now.devices.end(), [](const std::string& d) { return d != "cpu"; });
        writeTextAtomically(QDir(folder).filePath("sweep.sbatch").toStdString(), sbatchScript("sweep.json", "sweep.lstudio", ranks_->value(), gpus));
        status_->setText(tr("Wrote sweep.json and sweep.sbatch to %1: submit with sbatch sweep.sbatch there, then open sweep.lstudio.")
                             .arg(QDir::toNativeSeparators(folder)));
        return true;
    } catch (const StudioError& error) {
        status_->setText(tr("Not written: %1").arg(QString::fromUtf8(error.what())));
        return false;
    }
}

} // namespace ls::studio
