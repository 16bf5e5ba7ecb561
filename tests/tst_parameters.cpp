// Parameter schemas: validation, parsing, JSON, and the widgets the studio generates from them.
#include "TestSupport.h"
#include "engine/core/Error.h"
#include "views/ParameterPanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLineEdit>
#include <QSpinBox>

using namespace ls;

namespace {

ParameterSchema sampleSchema()
{
    return {{
        {.key = "count", .label = "Count", .type = ParameterType::Int, .defaultValue = std::int64_t{10}, .minimum = 1, .maximum = 1000},
        {.key = "sigma", .label = "Sigma", .type = ParameterType::Float, .defaultValue = 0.5, .minimum = 0, .maximum = 2, .units = "m"},
        {.key = "fast", .label = "Fast", .type = ParameterType::Bool, .defaultValue = true},
        {.key = "mode", .label = "Mode", .type = ParameterType::Enum, .defaultValue = std::string("a"), .choices = {"a", "b"}},
        {.key = "weights", .label = "Weights", .type = ParameterType::File, .defaultValue = std::string()},
        {.key = "window", .label = "Window", .type = ParameterType::Vector, .defaultValue = std::vector<double>{13, 13},
         .minimum = 1, .maximum = 64, .vectorSize = 2},
        {.key = "seed", .label = "Seed", .type = ParameterType::Int, .defaultValue = std::int64_t{1}, .minimum = 0, .maximum = 9e15},
        {.key = "url", .label = "URL", .type = ParameterType::Text, .defaultValue = std::string("http://127.0.0.1:8000/v1")},
        {.key = "rates", .label = "Rates", .type = ParameterType::Vector, .defaultValue = std::vector<double>{1, 2},
         .minimum = 0.001, .maximum = 100},
    }};
}

} // namespace

class TestParameters : public QObject {
    Q_OBJECT
private slots:
    void defaultsAreValid()
    {
        const auto schema = sampleSchema();
        QVERIFY(validate(schema, defaultValues(schema)).empty());
    }

    void assignmentsParseAndValidate()
    {
        const auto schema = sampleSchema();
        auto values = defaultValues(schema);
        const auto count = test::uniformInt(1, 1000);
        applyAssignment(schema, values, "count=" + std::to_string(count));
        applyAssignment(schema, values, "sigma=1.25");
        applyAssignment(schema, values, "fast=false");
        applyAssignment(schema, values, "mode=b");
        applyAssignment(schema, values, "window=8,16");
        QCOMPARE(intParameter(values, "count"), count);
        QCOMPARE(floatParameter(values, "sigma"), 1.25);
        QCOMPARE(boolParameter(values, "fast"), false);
        QCOMPARE(stringParameter(values, "mode"), std::string("b"));
        QCOMPARE(vectorParameter(values, "window"), (std::vector<double>{8, 16}));

        auto expectProblem = [&](const std::string& assignment, const QString& fragment) {
            try {
                applyAssignment(schema, values, assignment);
                QFAIL(qPrintable("accepted " + QString::fromStdString(assignment)));
            } catch (const ArgumentError& error) {
                QVERIFY2(QString(error.what()).contains(fragment), error.what());
            }
        };
        expectProblem("count=0", "count: 0 is below the minimum 1");
        expectProblem("count=12.5", "not an integer");
        expectProblem("sigma=nan", "not a finite number");
        expectProblem("sigma=3", "above the maximum 2");
        expectProblem("mode=c", "'c' is not one of a, b");
        expectProblem("window=1,2,3", "expected 2 values");
        expectProblem("fast=maybe", "not a boolean");
        expectProblem("speed=1", "unknown parameter 'speed'");
        expectProblem("count", "must be written key=value");
    }

    void textAndOpenEndedVectors()
    {
        const auto schema = sampleSchema();
        ParameterValues values = defaultValues(schema);
        applyAssignment(schema, values, "url=http://10.0.0.2:8080/v1");
        QCOMPARE(std::get<std::string>(values["url"]), std::string("http://10.0.0.2:8080/v1"));
        QCOMPARE(std::string(toString(ParameterType::Text)), std::string("text"));
        QVERIFY_THROWS_EXCEPTION(ArgumentError, applyAssignment(schema, values, "url=" + std::string(5000, 'x')));
        QVERIFY(!validateOne(*schema.find("url"), std::string("two\nlines")).empty());
        // vectorSize 0: any number of values, at least one, each in range.
        applyAssignment(schema, values, "rates=0.5,1,2,4,8");
        QCOMPARE(std::get<std::vector<double>>(values["rates"]).size(), std::size_t(5));
        applyAssignment(schema, values, "rates=3");
        QCOMPARE(std::get<std::vector<double>>(values["rates"]), std::vector<double>{3});
        QVERIFY_THROWS_EXCEPTION(ArgumentError, applyAssignment(schema, values, "rates=1,200"));
        QVERIFY(!validateOne(*schema.find("rates"), std::vector<double>{}).empty());
        const ParameterValues back = parametersFromJson(schema, parametersToJson(values), "test");
        QCOMPARE(back, values);
    }

    void jsonRoundTripAndErrors()
    {
        const auto schema = sampleSchema();
        auto values = defaultValues(schema);
        values["count"] = test::uniformInt(1, 1000);
        values["sigma"] = static_cast<double>(test::uniform(0, 2));
        const auto back = parametersFromJson(schema, parametersToJson(values), "s.lstudio");
        QVERIFY(back == values);
        QVERIFY_THROWS_EXCEPTION(FormatError, parametersFromJson(schema, {{"count", "ten"}}, "s.lstudio"));
        QVERIFY_THROWS_EXCEPTION(FormatError, parametersFromJson(schema, {{"unknown", 1}}, "s.lstudio"));
        QVERIFY_THROWS_EXCEPTION(FormatError, parametersFromJson(schema, {{"count", 0}}, "s.lstudio"));
    }

    void panelBuildsOneEditorPerType()
    {
        views::ParameterPanel panel;
        panel.setSchema(sampleSchema(), {});
        QVERIFY(qobject_cast<QSpinBox*>(panel.editor("count")));
        QVERIFY(qobject_cast<QDoubleSpinBox*>(panel.editor("sigma")));
        QVERIFY(qobject_cast<QCheckBox*>(panel.editor("fast")));
        QVERIFY(qobject_cast<QComboBox*>(panel.editor("mode")));
        QVERIFY(panel.editor("weights")->findChild<QLineEdit*>());
        QVERIFY(qobject_cast<QLineEdit*>(panel.editor("window")));
        QVERIFY(qobject_cast<QLineEdit*>(panel.editor("seed"))); // range too large for a spin box
        QVERIFY(qobject_cast<QLineEdit*>(panel.editor("url")));
        QVERIFY(qobject_cast<QLineEdit*>(panel.editor("rates")));
        QCOMPARE(qobject_cast<QDoubleSpinBox*>(panel.editor("sigma"))->maximum(), 2.0);
        QCOMPARE(qobject_cast<QComboBox*>(panel.editor("mode"))->count(), 2);
        QVERIFY(panel.problems().isEmpty());
    }

    void panelEditsReachValuesAndInvalidTextIsReported()
    {
        views::ParameterPanel panel;
        panel.setSchema(sampleSchema(), {});
        QSignalSpy changed(&panel, &views::ParameterPanel::valuesChanged);
        const int count = static_cast<int>(test::uniformInt(1, 1000));
        qobject_cast<QSpinBox*>(panel.editor("count"))->setValue(count);
        qobject_cast<QComboBox*>(panel.editor("mode"))->setCurrentText("b");
        QVERIFY(changed.count() >= 2);
        QCOMPARE(intParameter(panel.values(), "count"), std::int64_t{count});
        QCOMPARE(stringParameter(panel.values(), "mode"), std::string("b"));

        auto* window = qobject_cast<QLineEdit*>(panel.editor("window"));
        window->setText("4,99");
        QCOMPARE(panel.problems().size(), 1);
        QVERIFY(panel.problems().front().contains("above the maximum 64"));
        window->setText("4,");
        QVERIFY(panel.problems().front().contains("not a number"));
        window->setText("4,5");
        QVERIFY(panel.problems().isEmpty());
        QCOMPARE(vectorParameter(panel.values(), "window"), (std::vector<double>{4, 5}));
    }
};

QTEST_MAIN(TestParameters)
#include "tst_parameters.moc"
