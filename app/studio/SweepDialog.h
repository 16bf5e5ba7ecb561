#pragma once
// Run → Sweep…: a grid editor over the current engine's parameters (values to sweep per
// parameter, seeds, repeats, devices, ranks). It runs the sweep here (latency-studio-cli sweep,
// under mpirun when more than one rank is asked), with progress and cancel, and hands the
// resulting session to the window; or it writes the sweep file and an sbatch script for a cluster.
#include "SweepFile.h"

#include <QDialog>
#include <QProcess>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace ls::studio {

class SweepDialog : public QDialog {
    Q_OBJECT
public:
    // `workFolder`: where a sweep run here writes its file and session (the session's folder).
    SweepDialog(std::string engineId, QString engineName, ParameterSchema schema, ParameterValues current, QString workFolder,
                QWidget* parent = nullptr);
    ~SweepDialog() override;

    // What the editors hold; throws ArgumentError for a value a run would refuse.
    SweepChoices choices() const;
    // Sets the values to sweep for `key` as typed (tests and scripts).
    void setSweepValues(const QString& key, const QString& values);
    void setSeeds(const QString& seeds);
    void setRanks(int ranks);
    void setRepeats(int repeats, int warmup);

    // Writes the sweep file and the session beside it in the work folder and runs the CLI; false
    // (with the reason shown) when it cannot start.
    bool runHere();
    bool writeForCluster(const QString& folder);
    bool isRunning() const { return process_ && process_->state() != QProcess::NotRunning; }
    void cancel();

signals:
    // The sweep ran (all or part: a failed or cancelled run is in the summary) into this session.
    void sweepFinished(const QString& sessionPath, int exitCode);

private:
    void refreshCount();
    void onOutput();
    void onFinished(int exitCode);
    QString cliPath() const;

    std::string engineId_;
    ParameterSchema schema_;
    ParameterValues current_;
    QString workFolder_, sessionPath_;
    QTableWidget* grid_ = nullptr;
    QLineEdit *seeds_ = nullptr, *devices_ = nullptr;
    QSpinBox *repeats_ = nullptr, *warmup_ = nullptr, *ranks_ = nullptr;
    QComboBox* schedule_ = nullptr;
    QLabel* count_ = nullptr;
    QLabel* status_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QPushButton *run_ = nullptr, *cluster_ = nullptr, *cancel_ = nullptr;
    QProcess* process_ = nullptr;
    int runsDone_ = 0, runsTotal_ = 0;
    QString lastLines_;
};

} // namespace ls::studio
