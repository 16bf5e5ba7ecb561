#pragma once
// Lists every plugin found with its status, version, engines and, for failures, the reason.
#include <QDialog>

class QTableWidget;

namespace ls::host {
class PluginRegistry;
}

namespace ls::studio {

class PluginsDialog : public QDialog {
    Q_OBJECT
public:
    PluginsDialog(host::PluginRegistry& registry, QWidget* parent = nullptr);

signals:
    void reloadRequested(const QString& path);

private:
    void refresh();

    host::PluginRegistry& registry_;
    QTableWidget* table_;
};

} // namespace ls::studio
