// Hostile input beyond single parsers (tst_fuzz_corpus replays those): the strict JSON helper, a
// session that names files outside its folder, and the clean-up of what interrupted saves leave.
#include "TestSupport.h"
#include "app/host/Session.h"
#include "engine/core/AtomicFile.h"
#include "engine/core/Error.h"
#include "engine/core/JsonFields.h"
#include "engine/core/Npz.h"
#include "engine/pointcloud/PcdPlyReaders.h"

#include <QTemporaryDir>
#include <QTest>
#include <fstream>

using namespace ls;
namespace fs = std::filesystem;

namespace {

void writeText(const fs::path& path, const std::string& text)
{
    std::ofstream(path, std::ios::binary) << text;
}

std::string sessionNaming(const std::string& sidecar)
{
    return R"({"format": "latency-studio-session", "version": 1, "sidecar": ")" + sidecar + R"(", "runs": []})";
}

// A message that names the file and says what is wrong, checked by its parts.
void expectFormatError(const std::function<void()>& action, const QString& mustContain)
{
    try {
        action();
        QFAIL(qPrintable("accepted; expected a FormatError mentioning '" + mustContain + "'"));
    } catch (const FormatError& error) {
        QVERIFY2(QString::fromUtf8(error.what()).contains(mustContain), error.what());
    }
}

} // namespace

class TestHostileInput : public QObject {
    Q_OBJECT

private slots:
    void jsonNumbersAreConvertedStrictly()
    {
        const auto doc = parseJsonText(R"({"big": 1e30, "half": 2.5, "whole": 3.0, "neg": -1, "text": "3", "max": 2147483647,
                                          "over": 2147483648, "u64": 18446744073709551615, "list": [1, 2.5]})", "t.json");
        expectFormatError([&] { requiredField<int>(doc, "big", "t.json"); }, "field 'big'");
        expectFormatError([&] { requiredField<int>(doc, "half", "t.json"); }, "the number 2.5");
        QCOMPARE(requiredField<int>(doc, "whole", "t.json"), 3);
        expectFormatError([&] { requiredField<unsigned>(doc, "neg", "t.json"); }, "an integer from 0");
        expectFormatError([&] { requiredField<int>(doc, "text", "t.json"); }, "the text \"3\"");
        QCOMPARE(requiredField<int>(doc, "max", "t.json"), 2147483647);
        expectFormatError([&] { requiredField<int>(doc, "over", "t.json"); }, "2147483648");
        expectFormatError([&] { requiredField<std::int64_t>(doc, "u64", "t.json"); }, "u64");
        QCOMPARE(requiredField<std::uint64_t>(doc, "u64", "t.json"), std::numeric_limits<std::uint64_t>::max());
        expectFormatError([&] { requiredField<std::vector<int>>(doc, "list", "t.json"); }, "list'[1]");
        QCOMPARE(optionalField<int>(doc, "absent", 7, "t.json"), 7);
        expectFormatError([&] { optionalField<std::string>(doc, "neg", "", "t.json"); }, "expected text");
        expectFormatError([&] { requiredField<int>(nlohmann::json::array(), "x", "t.json"); }, "expected an object");
    }

    void jsonOverflowAndDepthAreRefused()
    {
        expectFormatError([] { parseJsonText(R"({"x": -1e400})", "n.json"); }, "n.json");
        const std::string deep = std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
        expectFormatError([&] { parseJsonText(deep, "d.json"); }, "deeper than");
        const std::string fine = std::string(kMaxJsonDepth - 1, '[') + std::string(kMaxJsonDepth - 1, ']');
        QVERIFY(parseJsonText(fine, "f.json").is_array());
        expectFormatError([] { parseJsonText("{\n\n  \"a\": ]", "l.json"); }, "line 3");
    }

    // The data-loss bug: saving over a session that named "../victim" deleted it.
    void sessionNeverDeletesOutsideItsFolder()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        fs::create_directories(root / "session");
        const fs::path session = root / "session" / "s.lstudio";
        for (const std::string& victim : {root.string() + "/victim.npz", std::string("../victim.npz"), std::string("../victim.npz/")}) {
            writeText(root / "victim.npz", "precious");
            writeText(session, sessionNaming(victim));
            expectFormatError([&] { host::loadSession(session); }, "session's own folder");
            host::Session fresh;
            host::saveSession(fresh, session); // replaces the crafted file
            QVERIFY2(fs::exists(root / "victim.npz"), victim.c_str());
            QVERIFY(host::loadSession(session).runs.empty());
        }
        // A sidecar of another session in the same folder is not this session's to remove.
        writeText(root / "session" / "other.1.npz", "other's");
        writeText(session, sessionNaming("other.1.npz"));
        host::saveSession(host::Session{}, session);
        QVERIFY(fs::exists(root / "session" / "other.1.npz"));
    }

    void savesSweepWhatInterruptedSavesLeft()
    {
        QTemporaryDir dir;
        const fs::path folder = dir.path().toStdString();
        const fs::path session = folder / "s.lstudio";
        host::saveSession(host::Session{}, session);
        // An orphan sidecar and temporaries of a writer that died (no such pid) or of the old naming.
        writeText(folder / "s.1234.npz", "orphan");
        writeText(folder / ".s.lstudio.tmp-999999999-42", "dead writer");
        writeText(folder / ".s.1234.npz.tmp-999999999-43", "dead writer");
        // Kept: a live writer's temporary (pid 1 always runs), other sessions' files, the user's own.
        writeText(folder / ".s.lstudio.tmp-1-44", "live writer");
        writeText(folder / "t.1234.npz", "another session's sidecar");
        writeText(folder / "s.backup.npz", "the user's copy");
        host::saveSession(host::Session{}, session);
        QVERIFY(!fs::exists(folder / "s.1234.npz"));
        QVERIFY(!fs::exists(folder / ".s.lstudio.tmp-999999999-42"));
        QVERIFY(!fs::exists(folder / ".s.1234.npz.tmp-999999999-43"));
        QVERIFY(fs::exists(folder / ".s.lstudio.tmp-1-44"));
        QVERIFY(fs::exists(folder / "t.1234.npz"));
        QVERIFY(fs::exists(folder / "s.backup.npz"));
    }

    void failedWritesLeaveNoTemporary()
    {
        QTemporaryDir dir;
        const fs::path target = fs::path(dir.path().toStdString()) / "out.bin";
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, replaceFileAtomically(target, [](const fs::path& temp) {
            writeText(temp, "half");
            throw std::runtime_error("disk full");
        }));
        QVERIFY(fs::is_empty(dir.path().toStdString()));
    }

    void npzMessagesSayWhatIsWrong()
    {
        // Built by tests/fuzz/make_corpus.py; the replay test checks they are refused, this their words.
        const QString corpus = STUDIO_FUZZ_CORPUS;
        expectFormatError([&] { readNpz((corpus + "/npz/refuse-crc-mismatch.npz").toStdString()); }, "CRC");
        expectFormatError([&] { readNpz((corpus + "/npz/refuse-declares-3.5GB.npz").toStdString()); }, "declares 3500000000 bytes");
        expectFormatError([&] { pointcloud::readPcd((corpus + "/pcd/refuse-binary-size-wraps.pcd").toStdString()); }, "overflows");
        expectFormatError([&] { pointcloud::readPcd((corpus + "/pcd/refuse-width-negative.pcd").toStdString()); }, "WIDTH '-1'");
        expectFormatError([&] { pointcloud::readPly((corpus + "/ply/refuse-vertex-count-huge.ply").toStdString()); }, "truncated");
    }
};

QTEST_GUILESS_MAIN(TestHostileInput)
#include "tst_hostile_input.moc"
