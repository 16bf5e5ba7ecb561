// Reports: a session with two runs exports to HTML and PDF with the same content; the HTML's
// tables hold the recorder's numbers and embed every picture; the PDF has pages that are not blank;
// failures (unwritable path, unknown run, cancel) say so and change nothing.
#include "TestSupport.h"
#include "app/host/PluginRegistry.h"
#include "app/report/ReportWriters.h"
#include "engine/core/AtomicFile.h"
#include "engine/core/EngineRunner.h"
#include "engine/core/Error.h"

#include <QBuffer>
#include <QDir>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QXmlStreamReader>

using namespace ls;

namespace {

struct ParsedHtml {
    int tables = 0;
    std::vector<std::vector<QStringList>> tableRows; // per table, rows of cell texts (header row first)
    QStringList tableCaptions;
    QStringList imageSources;
    QStringList headings;
    QStringList externalReferences;
};

ParsedHtml parseXhtml(const QString& html)
{
    ParsedHtml parsed;
    QXmlStreamReader xml(html);
    QString text;
    QStringList row;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement()) {
            const auto name = xml.name();
            text.clear();
            if (name == QLatin1String("table")) {
                ++parsed.tables;
                parsed.tableRows.emplace_back();
                parsed.tableCaptions << QString();
            } else if (name == QLatin1String("tr")) {
                row.clear();
            } else if (name == QLatin1String("img")) {
                parsed.imageSources << xml.attributes().value("src").toString();
            }
            for (const auto& attribute : xml.attributes())
                if ((attribute.name() == QLatin1String("src") || attribute.name() == QLatin1String("href")) &&
                    !attribute.value().startsWith(QLatin1String("data:")))
                    parsed.externalReferences << attribute.value().toString();
        } else if (xml.isCharacters()) {
            text += xml.text();
        } else if (xml.isEndElement()) {
            const auto name = xml.name();
            if (name == QLatin1String("td") || name == QLatin1String("th"))
                row << text.trimmed();
            else if (name == QLatin1String("tr"))
                parsed.tableRows.back().push_back(row);
            else if (name == QLatin1String("caption"))
                parsed.tableCaptions.back() = text.trimmed();
            else if (name.startsWith(QLatin1String("h")) && name.size() == 2)
                parsed.headings << text.trimmed();
        }
    }
    if (xml.hasError())
        qWarning("XHTML error at line %lld: %s", static_cast<long long>(xml.lineNumber()), qPrintable(xml.errorString()));
    return parsed;
}

QString ms(double microseconds)
{
    return QString::number(microseconds / 1000.0, 'f', 3);
}

} // namespace

class TestReport : public QObject {
    Q_OBJECT

    host::PluginRegistry registry_;
    host::Session session_;

private slots:
    void initTestCase()
    {
        registry_.scanFolders({STUDIO_PLUGIN_DIR});
        const auto engine = registry_.findEngine("template.surface-sampler");
        QVERIFY(engine);
        session_.name = "report test";
        for (int r = 0; r < 2; ++r) {
            RunRequest request;
            request.parameters = defaultValues(engine->parameterSchema());
            request.parameters["pointCount"] = test::uniformInt(1000, 20000);
            request.parameters["noiseStd"] = static_cast<double>(test::uniform(0.001f, 0.05f));
            request.repeats = static_cast<int>(test::uniformInt(5, 12));
            request.device = "cpu";
            session_.addCompletedRun(runEngine(*engine, request), engine->displayName(), "template");
        }
    }

    void htmlHoldsTheRecordersNumbersAndEmbedsPictures()
    {
        QTemporaryDir dir;
        report::ReportOptions options;
        options.comparisons = {{1, 2}};
        QImage marked(320, 200, QImage::Format_RGB32);
        marked.fill(QColor(20, 120, 200));
        options.markedViews = {{marked, "a marked view"}};
        const report::Document document = report::buildReport(session_, &registry_, options);
        const QString path = dir.filePath("r.html");
        report::writeReport(document, path);
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const ParsedHtml html = parseXhtml(QString::fromUtf8(file.readAll()));

        QVERIFY(html.tables >= 7); // cover, 2 × (about, parameters, latency, engine summary), comparison
        QVERIFY(html.externalReferences.isEmpty());
        QVERIFY(html.headings.contains("Surface samples")); // the template's own section
        QVERIFY(html.headings.contains("Views"));
        for (const QString& source : html.imageSources) {
            QVERIFY(source.startsWith("data:image/png;base64,"));
            QVERIFY(!QImage::fromData(QByteArray::fromBase64(source.mid(22).toLatin1()), "PNG").isNull());
        }
        // 2 runs × (one histogram per stage + timeline + noise plot) + comparison histograms + 1 view.
        QCOMPARE(html.imageSources.size(), 2 * (4 + 1 + 1) + 5 + 1);

        // Every latency table matches the recorder to the printed precision.
        int checkedTables = 0;
        for (std::size_t t = 0; t < html.tableRows.size(); ++t) {
            if (!html.tableCaptions[t].startsWith("Per-stage latency"))
                continue;
            const auto& run = session_.runs[checkedTables++];
            const auto& rows = html.tableRows[t];
            QCOMPARE(rows.front(), (QStringList{"stage", "count", "mean ms", "median ms", "σ ms", "CV", "p90 ms", "p99 ms", "p99.9 ms"}));
            const auto paths = run.latency.stagePaths();
            QCOMPARE(rows.size(), paths.size() + 2);
            for (std::size_t i = 0; i < paths.size(); ++i) {
                const auto stats = run.latency.stageStats(paths[i]);
                QCOMPARE(rows[i + 1][0], QString::fromStdString(paths[i]));
                QCOMPARE(rows[i + 1][1], QString::number(stats.count));
                QCOMPARE(rows[i + 1][3], ms(stats.median));
                QCOMPARE(rows[i + 1][7], ms(stats.p99));
            }
            QCOMPARE(rows.back()[3], ms(run.latency.totalStats().median));
        }
        QCOMPARE(checkedTables, 2);
    }

    void histogramsOnlyForStagesMeasuredOften()
    {
        // One repeat: every stage has one duration, and a one-bar histogram per stage filled pages
        // of a PDF (seen in a rendered report). The table keeps the numbers; the text names them.
        const auto engine = registry_.findEngine("template.surface-sampler");
        host::Session session;
        session.name = "one repeat";
        RunRequest request;
        request.parameters = defaultValues(engine->parameterSchema());
        request.parameters["pointCount"] = test::uniformInt(1000, 5000);
        request.repeats = 1;
        request.warmupRepeats = 0;
        request.device = "cpu";
        session.addCompletedRun(runEngine(*engine, request), engine->displayName(), "template");
        QTemporaryDir dir;
        const QString path = dir.filePath("r.html");
        report::writeReport(report::buildReport(session, &registry_, {}), path);
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(file.readAll());
        QCOMPARE(parseXhtml(text).imageSources.size(), 1 + 1); // the timeline and the template's noise plot
        QVERIFY(text.contains("No histogram for the stages measured fewer than 5 times"));
        for (const auto& stage : session.runs.front().latency.stagePaths())
            QVERIFY2(text.contains(QString("'%1'").arg(QString::fromStdString(stage))), stage.c_str());
    }

    void pdfHasPagesThatAreNotBlank()
    {
        QTemporaryDir dir;
        report::ReportOptions options;
        options.comparisons = {{2, 1}};
        const QString path = dir.filePath("r.pdf");
        int progressCalls = 0;
        report::writeReport(report::buildReport(session_, &registry_, options), path,
                            [&](double, const QString&) { ++progressCalls; });
        QVERIFY(progressCalls >= 2);

        QProcess info;
        info.start("pdfinfo", {path});
        QVERIFY2(info.waitForFinished(30000) && info.exitCode() == 0, "pdfinfo (poppler-utils) is needed: run scripts/install-deps");
        const QString output = QString::fromUtf8(info.readAllStandardOutput());
        const int pages = output.section("Pages:", 1).trimmed().section('\n', 0, 0).toInt();
        QVERIFY2(pages >= 4, qPrintable(output));

        QProcess render;
        render.start("pdftoppm", {"-f", "1", "-l", "1", "-r", "50", "-png", path, dir.filePath("page")});
        QVERIFY(render.waitForFinished(30000) && render.exitCode() == 0);
        const QImage page(QDir(dir.path()).entryInfoList({"page*.png"}).value(0).absoluteFilePath());
        QVERIFY(!page.isNull());
        int inked = 0;
        for (int y = 0; y < page.height(); ++y)
            for (int x = 0; x < page.width(); ++x)
                inked += qGray(page.pixel(x, y)) < 160;
        QVERIFY2(inked > page.width() * page.height() / 100, qPrintable(QString::number(inked)));
    }

    void failuresAreClearAndChangeNothing()
    {
        QTemporaryDir dir;
        const auto sessionPath = std::filesystem::path(dir.path().toStdString()) / "s.lstudio";
        host::saveSession(session_, sessionPath);
        const auto before = readFileBytes(sessionPath);
        const auto document = report::buildReport(session_, &registry_, {});
        for (const QString& target : {dir.filePath("no/such/folder/r.pdf"), dir.filePath("no/such/folder/r.html")}) {
            try {
                report::writeReport(document, target);
                QFAIL("wrote into a folder that does not exist");
            } catch (const FileError& error) {
                QVERIFY2(QString(error.what()).contains("does not exist"), error.what());
            }
        }
        QVERIFY_THROWS_EXCEPTION(ArgumentError, report::writeReport(document, dir.filePath("r.docx")));
        report::ReportOptions unknown;
        unknown.runIds = {99};
        QVERIFY_THROWS_EXCEPTION(ArgumentError, report::buildReport(session_, &registry_, unknown));

        std::atomic<bool> cancel{true};
        QVERIFY_THROWS_EXCEPTION(CancelledError, report::writePdf(document, dir.filePath("c.pdf"), {}, &cancel));
        QVERIFY(!QFile::exists(dir.filePath("c.pdf")));
        QVERIFY(readFileBytes(sessionPath) == before);
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 2); // session + sidecar only
    }
};

QTEST_MAIN(TestReport)
#include "tst_report.moc"
