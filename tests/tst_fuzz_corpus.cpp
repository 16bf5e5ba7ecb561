// Replays every fuzz corpus (tests/fuzz/corpus/<target>/) through the same entry points the
// libFuzzer harnesses use: no input may crash a parser or escape as anything but a StudioError, and
// the crafted inputs that once crashed the studio ("refuse-*") must now be refused. Under the asan
// preset the same replay runs with AddressSanitizer and UBSan.
#include "TestSupport.h"
#include "fuzz/FuzzTargets.h"

#include <QDir>
#include <QFile>
#include <QTest>

class TestFuzzCorpus : public QObject {
    Q_OBJECT

private slots:
    void corpusInput_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("file");
        for (const auto& target : ls::fuzz::targets()) {
            const QDir folder(QString(STUDIO_FUZZ_CORPUS) + "/" + target.name);
            const QStringList files = folder.entryList(QDir::Files, QDir::Name);
            if (files.isEmpty())
                QTest::newRow(target.name) << QString(target.name) << QString(); // fails below: every parser has a corpus
            for (const QString& file : files)
                QTest::newRow(qPrintable(QString("%1/%2").arg(target.name, file))) << QString(target.name) << folder.filePath(file);
        }
    }

    void corpusInput()
    {
        QFETCH(QString, target);
        QFETCH(QString, file);
        QVERIFY2(!file.isEmpty(), qPrintable("no corpus for fuzz target " + target));
        QFile in(file);
        QVERIFY(in.open(QIODevice::ReadOnly));
        const QByteArray bytes = in.readAll();
        const auto* entry = ls::fuzz::findTarget(target.toStdString());
        QVERIFY(entry);
        const bool accepted = entry->run({reinterpret_cast<const std::uint8_t*>(bytes.constData()), static_cast<std::size_t>(bytes.size())});
        if (QFileInfo(file).fileName().startsWith("refuse-"))
            QVERIFY2(!accepted, qPrintable(file + " was accepted; it must be refused with a message"));
    }
};

QTEST_GUILESS_MAIN(TestFuzzCorpus)
#include "tst_fuzz_corpus.moc"
