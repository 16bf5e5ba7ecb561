// Plugin loading: the template loads; an ABI mismatch is refused from metadata alone; a missing
// file, a missing symbol and a plugin throwing in init are reported and nothing else is affected.
#include "TestSupport.h"
#include "app/host/PluginRegistry.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

using namespace ls;

namespace {

QString fixture(const char* name)
{
    return QDir(STUDIO_FIXTURE_PLUGIN_DIR).filePath(QStringLiteral("lib%1.so").arg(name));
}

} // namespace

class TestPlugins : public QObject {
    Q_OBJECT
private slots:
    void templatePluginLoadsWithItsEngine()
    {
        host::PluginRegistry registry;
        registry.scanFolders({STUDIO_PLUGIN_DIR});
        const auto found = std::find_if(registry.plugins().begin(), registry.plugins().end(),
                                        [](const auto& p) { return p->id == "template"; });
        QVERIFY(found != registry.plugins().end());
        const auto& entry = **found;
        QCOMPARE(entry.status, host::PluginStatus::Loaded);
        QCOMPARE(entry.id, QString("template"));
        QCOMPARE(entry.sdkAbi, LATENCY_STUDIO_SDK_ABI);
        QVERIFY(!entry.version.isEmpty());
        const auto engine = registry.findEngine("template.surface-sampler");
        QVERIFY(engine);
        QCOMPARE(registry.pluginOfEngine("template.surface-sampler"), &entry);
        QVERIFY(!engine->parameterSchema().specs.empty());
    }

    void abiMismatchIsRefusedWithoutLoading()
    {
        // The fixture traps when loaded, so reaching the checks proves it was never loaded.
        host::PluginRegistry registry;
        const auto& entry = registry.loadFile(fixture("fixtureOldAbi"));
        QCOMPARE(entry.status, host::PluginStatus::Incompatible);
        QVERIFY2(entry.reason.contains("SDK ABI 1") && entry.reason.contains("provides ABI 2"), qPrintable(entry.reason));
        QVERIFY(entry.engines.empty());
        QVERIFY(!entry.loader || !entry.loader->isLoaded());
    }

    void missingFileIsReported()
    {
        host::PluginRegistry registry;
        const auto& entry = registry.loadFile("/nonexistent/libghost.so");
        QCOMPARE(entry.status, host::PluginStatus::Failed);
        QVERIFY(entry.reason.contains("/nonexistent/libghost.so: no such file"));
    }

    void missingSymbolIsReported()
    {
        host::PluginRegistry registry;
        const auto& entry = registry.loadFile(fixture("fixtureMissingSymbol"));
        QCOMPARE(entry.status, host::PluginStatus::Failed);
        QVERIFY2(entry.reason.contains("ls_fixture_symbol_that_does_not_exist"), qPrintable(entry.reason));
    }

    void throwingInInitIsReported()
    {
        host::PluginRegistry registry;
        const auto& entry = registry.loadFile(fixture("fixtureThrowing"));
        QCOMPARE(entry.status, host::PluginStatus::Failed);
        QVERIFY2(entry.reason.contains("failed while creating its engines") && entry.reason.contains("licence.key"),
                 qPrintable(entry.reason));
        QVERIFY(entry.engines.empty());
    }

    void nullEngineIsRefused()
    {
        host::PluginRegistry registry;
        const auto& entry = registry.loadFile(fixture("fixtureNullEngine"));
        QCOMPARE(entry.status, host::PluginStatus::Failed);
        QVERIFY2(entry.reason.contains("null engine"), qPrintable(entry.reason));
        QVERIFY(entry.engines.empty());
        QVERIFY(registry.findEngine("anything") == nullptr);
    }

    void notAPluginIsReported()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("libgarbage.so");
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QByteArray noise(4096, '\0');
        for (auto& c : noise)
            c = static_cast<char>(test::uniformInt(0, 255));
        file.write(noise);
        file.close();
        host::PluginRegistry registry;
        const auto& entry = registry.loadFile(path);
        QCOMPARE(entry.status, host::PluginStatus::Failed);
        QVERIFY2(entry.reason.contains("not a Qt plugin"), qPrintable(entry.reason));
    }

    void brokenPluginsDoNotStopTheGoodOne()
    {
        host::PluginRegistry registry;
        registry.scanFolders({STUDIO_FIXTURE_PLUGIN_DIR, STUDIO_PLUGIN_DIR});
        int loaded = 0, refused = 0;
        for (const auto& entry : registry.plugins())
            (entry->status == host::PluginStatus::Loaded ? loaded : refused)++;
        QCOMPARE(loaded, 6); // the template, signals, point-cloud, consistency, RF and serving plugins
        QCOMPARE(refused, 4); // throwing, old ABI, missing symbol, null engine
        QVERIFY(registry.findEngine("template.surface-sampler"));
        QVERIFY(registry.findEngine("serving.benchmark"));
    }

    void searchPathVariableComesFirst()
    {
        qputenv(host::PluginRegistry::kPathVariable, "/opt/a:/opt/b");
        const QStringList folders = host::PluginRegistry::defaultSearchFolders();
        qunsetenv(host::PluginRegistry::kPathVariable);
        QCOMPARE(folders.mid(0, 2), (QStringList{"/opt/a", "/opt/b"}));
        QVERIFY(folders.last().endsWith("lib/latency-studio/plugins"));
    }

    void rebuiltLibraryIsNoticed()
    {
        // A copy of the template stands in for a plugin under development.
        QTemporaryDir dir;
        const QString original = QDir(STUDIO_PLUGIN_DIR).filePath("liblatency_studio_template.so");
        const QString path = dir.filePath("libdev_plugin.so");
        QVERIFY(QFile::copy(original, path));
        host::PluginRegistry registry;
        QCOMPARE(registry.loadFile(path).status, host::PluginStatus::Loaded);
        QSignalSpy changed(&registry, &host::PluginRegistry::pluginChangedOnDisk);
        QTest::qWait(1100); // file times have one-second resolution on some file systems
        // Replace it the way a linker does: a new file renamed over the old one.
        QVERIFY(QFile::copy(original, path + ".new"));
        QVERIFY(QFile::remove(path));
        QVERIFY(QFile::rename(path + ".new", path));
        QTRY_COMPARE_WITH_TIMEOUT(changed.count(), 1, 5000);
        QCOMPARE(changed.front().front().toString(), path);
        QCOMPARE(registry.reload(path).status, host::PluginStatus::Loaded);
    }

    void reloadGivesFreshEngines()
    {
        host::PluginRegistry registry;
        registry.scanFolders({STUDIO_PLUGIN_DIR});
        const QString path = registry.pluginOfEngine("template.surface-sampler")->path;
        std::weak_ptr<Engine> before = registry.findEngine("template.surface-sampler");
        const auto& entry = registry.reload(path);
        QCOMPARE(entry.status, host::PluginStatus::Loaded);
        QVERIFY(before.expired()); // the old engines were released before unloading
        QVERIFY(registry.findEngine("template.surface-sampler"));
        QVERIFY(registry.findEngine("serving.benchmark"));
    }
};

QTEST_GUILESS_MAIN(TestPlugins)
#include "tst_plugins.moc"
