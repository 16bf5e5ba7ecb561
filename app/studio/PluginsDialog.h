#pragma once
// Lists every plugin found with its status, version, engines, what it adds to the window and the
// CLI, and, for failures, the reason.
#include <QDialog>
#include <QStringList>

class QTableWidget;

namespace ls::host {
class PluginRegistry;
}

namespace ls::studio {

class PluginsDialog : public QDialog {
    Q_OBJECT
public:
    // `contributions`: MainWindow::pluginContributions(), lines "<plugin id>: <what>".
    PluginsDialog(host::PluginRegistry& registry, QStringList contributions, QWidget* parent = nullptr);
    QTableWidget* table() const { return table_; }

signals:
    void reloadRequested(const QString& path);

private:
    void refresh();

    host::PluginRegistry& registry_;
    QStringList contributions_;
    QTableWidget* table_;
};

} // namespace ls::studio
