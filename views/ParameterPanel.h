#pragma once
// The parameters panel, generated from an engine's schema: one editor per parameter (spin boxes with
// ranges and units, check boxes, choices, file pickers, vectors), help as tooltips, and validation
// messages shown as the user types.
#include "engine/core/Parameters.h"

#include <QWidget>
#include <map>

class QFormLayout;
class QLabel;

namespace ls::views {

class ParameterPanel : public QWidget {
    Q_OBJECT
public:
    explicit ParameterPanel(QWidget* parent = nullptr);

    void setSchema(const ParameterSchema& schema, const ParameterValues& values);
    ParameterValues values() const;          // what the editors hold (invalid text keeps the last valid value)
    QStringList problems() const;            // empty when every value is valid
    QWidget* editor(const QString& key) const;
    void resetToDefaults();

signals:
    void valuesChanged();

private:
    QWidget* makeEditor(const ParameterSpec& spec, const ParameterValue& value);
    void setValue(const std::string& key, ParameterValue value, const QString& problem);
    void refreshProblems();

    ParameterSchema schema_;
    ParameterValues values_;
    std::map<std::string, QString> problems_;
    std::map<std::string, QWidget*> editors_;
    std::map<std::string, QLabel*> messageLabels_;
    QFormLayout* form_;
    QLabel* summary_;
};

} // namespace ls::views
