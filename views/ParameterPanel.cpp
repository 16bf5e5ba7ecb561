#include "ParameterPanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <cmath>
#include <limits>

namespace ls::views {
namespace {

double finiteOr(double value, double fallback)
{
    return std::isfinite(value) ? value : fallback;
}

bool fitsSpinBox(const ParameterSpec& spec)
{
    constexpr double limit = std::numeric_limits<int>::max();
    return std::isfinite(spec.minimum) && std::isfinite(spec.maximum) && spec.minimum >= -limit && spec.maximum <= limit;
}

} // namespace

ParameterPanel::ParameterPanel(QWidget* parent) : QWidget(parent)
{
    form_ = new QFormLayout;
    form_->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    summary_ = new QLabel(this);
    summary_->setObjectName("parameterProblems");
    summary_->setWordWrap(true);
    summary_->setStyleSheet("color: #d9534f;");
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form_);
    layout->addWidget(summary_);
    layout->addStretch(1);
}

void ParameterPanel::setSchema(const ParameterSchema& schema, const ParameterValues& values)
{
    while (form_->rowCount() > 0)
        form_->removeRow(0);
    editors_.clear();
    messageLabels_.clear();
    problems_.clear();
    schema_ = schema;
    values_ = defaultValues(schema);
    for (const auto& [key, value] : values)
        if (schema.find(key))
            values_[key] = value;

    for (const auto& spec : schema_.specs) {
        QWidget* editor = makeEditor(spec, values_[spec.key]);
        editor->setObjectName(QString::fromStdString(spec.key));
        editor->setToolTip(QString::fromStdString(spec.help));
        auto* message = new QLabel(this);
        message->setStyleSheet("color: #d9534f;");
        message->hide();
        auto* cell = new QWidget(this);
        auto* cellLayout = new QVBoxLayout(cell);
        cellLayout->setContentsMargins(0, 0, 0, 0);
        cellLayout->addWidget(editor);
        cellLayout->addWidget(message);
        QString label = QString::fromStdString(spec.label);
        if (!spec.units.empty() && spec.type != ParameterType::Int && spec.type != ParameterType::Float)
            label += QStringLiteral(" (%1)").arg(QString::fromStdString(spec.units));
        auto* labelWidget = new QLabel(label, this);
        labelWidget->setToolTip(QString::fromStdString(spec.help));
        form_->addRow(labelWidget, cell);
        editors_[spec.key] = editor;
        messageLabels_[spec.key] = message;
    }
    refreshProblems();
}

QWidget* ParameterPanel::makeEditor(const ParameterSpec& spec, const ParameterValue& value)
{
    const std::string key = spec.key;
    const QString units = spec.units.empty() ? QString() : " " + QString::fromStdString(spec.units);
    switch (spec.type) {
    case ParameterType::Int:
        if (fitsSpinBox(spec)) {
            auto* box = new QSpinBox(this);
            box->setRange(static_cast<int>(spec.minimum), static_cast<int>(spec.maximum));
            box->setValue(static_cast<int>(std::get<std::int64_t>(value)));
            box->setSuffix(units);
            box->setGroupSeparatorShown(true);
            connect(box, &QSpinBox::valueChanged, this, [this, key](int v) { setValue(key, std::int64_t{v}, {}); });
            return box;
        }
        [[fallthrough]]; // huge ranges (seeds) are typed as text
    case ParameterType::Vector:
    case ParameterType::Text:
    case ParameterType::File: {
        auto* line = new QLineEdit(QString::fromStdString(formatParameterValue(value)), this);
        connect(line, &QLineEdit::textChanged, this, [this, key, spec](const QString& text) {
            try {
                setValue(key, parseParameterValue(spec, text.trimmed().toStdString()), {});
            } catch (const std::exception& error) {
                setValue(key, values_[key], QString::fromUtf8(error.what()));
            }
        });
        if (spec.type != ParameterType::File)
            return line;
        auto* holder = new QWidget(this);
        auto* row = new QHBoxLayout(holder);
        row->setContentsMargins(0, 0, 0, 0);
        auto* browse = new QPushButton(tr("…"), holder);
        browse->setFixedWidth(32);
        row->addWidget(line, 1);
        row->addWidget(browse);
        connect(browse, &QPushButton::clicked, this, [this, line, spec] {
            // fileFilter "folder": the parameter names a directory (a dataset folder).
            const QString file = spec.fileFilter == "folder"
                                     ? QFileDialog::getExistingDirectory(this, QString::fromStdString(spec.label), line->text())
                                     : QFileDialog::getOpenFileName(this, QString::fromStdString(spec.label), line->text(),
                                                                    QString::fromStdString(spec.fileFilter));
            if (!file.isEmpty())
                line->setText(file);
        });
        return holder;
    }
    case ParameterType::Float: {
        auto* box = new QDoubleSpinBox(this);
        box->setDecimals(6);
        box->setRange(finiteOr(spec.minimum, -1e12), finiteOr(spec.maximum, 1e12));
        box->setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
        box->setValue(std::get<double>(value));
        box->setSuffix(units);
        connect(box, &QDoubleSpinBox::valueChanged, this, [this, key](double v) { setValue(key, v, {}); });
        return box;
    }
    case ParameterType::Bool: {
        auto* box = new QCheckBox(this);
        box->setChecked(std::get<bool>(value));
        connect(box, &QCheckBox::toggled, this, [this, key](bool v) { setValue(key, v, {}); });
        return box;
    }
    case ParameterType::Enum: {
        auto* box = new QComboBox(this);
        for (const auto& choice : spec.choices)
            box->addItem(QString::fromStdString(choice));
        box->setCurrentText(QString::fromStdString(std::get<std::string>(value)));
        connect(box, &QComboBox::currentTextChanged, this,
                [this, key](const QString& text) { setValue(key, text.toStdString(), {}); });
        return box;
    }
    }
    return new QWidget(this);
}

void ParameterPanel::setValue(const std::string& key, ParameterValue value, const QString& problem)
{
    values_[key] = std::move(value);
    if (problem.isEmpty())
        problems_.erase(key);
    else
        problems_[key] = problem;
    refreshProblems();
    emit valuesChanged();
}

void ParameterPanel::refreshProblems()
{
    QStringList all;
    for (const auto& spec : schema_.specs) {
        QString problem = problems_.contains(spec.key) ? problems_[spec.key] : QString();
        if (problem.isEmpty())
            problem = QString::fromStdString(validateOne(spec, values_[spec.key]));
        messageLabels_[spec.key]->setText(problem);
        messageLabels_[spec.key]->setVisible(!problem.isEmpty());
        if (!problem.isEmpty())
            all << problem;
    }
    summary_->setText(all.isEmpty() ? QString() : tr("Fix before running: %1").arg(all.join("; ")));
    summary_->setVisible(!all.isEmpty());
}

ParameterValues ParameterPanel::values() const
{
    return values_;
}

QStringList ParameterPanel::problems() const
{
    QStringList all;
    for (const auto& spec : schema_.specs) {
        if (const auto found = problems_.find(spec.key); found != problems_.end())
            all << found->second;
        else if (auto p = validateOne(spec, values_.at(spec.key)); !p.empty())
            all << QString::fromStdString(p);
    }
    return all;
}

QWidget* ParameterPanel::editor(const QString& key) const
{
    const auto found = editors_.find(key.toStdString());
    return found == editors_.end() ? nullptr : found->second;
}

void ParameterPanel::resetToDefaults()
{
    setSchema(schema_, defaultValues(schema_));
    emit valuesChanged();
}

} // namespace ls::views
