#include "PluginsDialog.h"

#include "app/host/PluginRegistry.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace ls::studio {

PluginsDialog::PluginsDialog(host::PluginRegistry& registry, QStringList contributions, QWidget* parent)
    : QDialog(parent), registry_(registry), contributions_(std::move(contributions))
{
    setWindowTitle(tr("Plugins"));
    resize(900, 360);
    table_ = new QTableWidget(this);
    table_->setColumnCount(7);
    table_->setHorizontalHeaderLabels({tr("Status"), tr("Plugin"), tr("Version"), tr("Engines"), tr("Adds"), tr("Reason"), tr("File")});
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    auto* reload = buttons->addButton(tr("Reload selected"), QDialogButtonBox::ActionRole);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Search folders: %1").arg(host::PluginRegistry::defaultSearchFolders().join("; ")), this));
    layout->addWidget(table_);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(reload, &QPushButton::clicked, this, [this] {
        const int row = table_->currentRow();
        if (row >= 0)
            emit reloadRequested(table_->item(row, 6)->text());
    });
    connect(&registry_, &host::PluginRegistry::pluginsChanged, this, &PluginsDialog::refresh);
    refresh();
}

void PluginsDialog::refresh()
{
    const auto& plugins = registry_.plugins();
    table_->setRowCount(static_cast<int>(plugins.size()));
    for (int row = 0; row < static_cast<int>(plugins.size()); ++row) {
        const auto& p = *plugins[row];
        QStringList engines;
        for (const auto& engine : p.engines)
            engines << QString::fromStdString(engine->id());
        auto* status = new QTableWidgetItem(host::toString(p.status));
        status->setForeground(p.status == host::PluginStatus::Loaded ? QColor(40, 160, 70) : QColor(210, 60, 50));
        table_->setItem(row, 0, status);
        table_->setItem(row, 1, new QTableWidgetItem(p.name));
        table_->setItem(row, 2, new QTableWidgetItem(p.version));
        table_->setItem(row, 3, new QTableWidgetItem(engines.join(", ")));
        // Window actions and docks (SDK StudioExtension.h), then CLI commands (CliCommand.h).
        QStringList adds;
        for (const QString& line : contributions_)
            if (!p.id.isEmpty() && line.startsWith(p.id + ": "))
                adds << line.mid(p.id.size() + 2);
        if (p.instance)
            for (const auto& command : p.instance->cliCommands())
                adds << tr("CLI command %1").arg(QString::fromStdString(command.name));
        table_->setItem(row, 4, new QTableWidgetItem(adds.join("; ")));
        table_->setItem(row, 5, new QTableWidgetItem(p.reason));
        table_->setItem(row, 6, new QTableWidgetItem(p.path));
    }
}

} // namespace ls::studio
