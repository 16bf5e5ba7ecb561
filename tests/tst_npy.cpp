// NumPy .npy/.npz: round trips for every dtype, files written by NumPy itself, and malformed input.
#include "TestSupport.h"
#include "engine/core/AtomicFile.h"
#include "engine/core/Error.h"
#include "engine/core/Npz.h"

#include <QTemporaryDir>
#include <cstring>
#include <filesystem>

using namespace ls;

namespace {

std::vector<std::int64_t> randomShape()
{
    const int rank = static_cast<int>(test::uniformInt(1, 3));
    std::vector<std::int64_t> shape;
    for (int i = 0; i < rank; ++i)
        shape.push_back(test::uniformInt(1, 7));
    return shape;
}

NpyArray randomArray(DType dtype)
{
    const auto shape = randomShape();
    std::int64_t count = 1;
    for (auto d : shape)
        count *= d;
    switch (dtype) {
    case DType::Float32: {
        std::vector<float> v(count);
        for (auto& x : v) x = test::uniform(-1e3f, 1e3f);
        return NpyArray::from<float>(shape, v);
    }
    case DType::Float16: {
        std::vector<float> v(count);
        for (auto& x : v) x = test::uniform(-100.f, 100.f);
        return NpyArray::fromHalf(shape, v);
    }
    case DType::Int32: {
        std::vector<std::int32_t> v(count);
        for (auto& x : v) x = static_cast<std::int32_t>(test::uniformInt(INT32_MIN, INT32_MAX));
        return NpyArray::from<std::int32_t>(shape, v);
    }
    case DType::Int64: {
        std::vector<std::int64_t> v(count);
        for (auto& x : v) x = test::uniformInt(INT64_MIN, INT64_MAX);
        return NpyArray::from<std::int64_t>(shape, v);
    }
    case DType::UInt8: {
        std::vector<std::uint8_t> v(count);
        for (auto& x : v) x = static_cast<std::uint8_t>(test::uniformInt(0, 255));
        return NpyArray::from<std::uint8_t>(shape, v);
    }
    }
    return {};
}

std::vector<std::byte> bytesOf(const char* data, std::size_t size)
{
    std::vector<std::byte> out(size);
    if (size > 0) // memcpy from a null pointer is undefined even for 0 bytes
        std::memcpy(out.data(), data, size);
    return out;
}

// Written by NumPy 1.26: np.save(f, np.arange(6, dtype='<i4').reshape(2, 3)).
const char kNumpyInt32[] =
    "\x93NUMPY\x01\x00v\x00"
    "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }                                                          \n"
    "\x00\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00\x04\x00\x00\x00\x05\x00\x00\x00";

} // namespace

class TestNpy : public QObject {
    Q_OBJECT
private slots:
    void roundTripEveryDtype_data()
    {
        QTest::addColumn<int>("dtype");
        QTest::newRow("float32") << static_cast<int>(DType::Float32);
        QTest::newRow("float16") << static_cast<int>(DType::Float16);
        QTest::newRow("int32") << static_cast<int>(DType::Int32);
        QTest::newRow("int64") << static_cast<int>(DType::Int64);
        QTest::newRow("uint8") << static_cast<int>(DType::UInt8);
    }
    void roundTripEveryDtype()
    {
        QFETCH(int, dtype);
        QTemporaryDir dir;
        const NpyArray original = randomArray(static_cast<DType>(dtype));
        const auto path = std::filesystem::path(dir.path().toStdString()) / "a.npy";
        writeNpy(path, original);
        const NpyArray back = readNpy(path);
        QCOMPARE(static_cast<int>(back.dtype), dtype);
        QCOMPARE(back.shape, original.shape);
        QVERIFY(back.bytes == original.bytes);
        QCOMPARE(std::filesystem::file_size(path) % 64, std::uintmax_t(serializeNpy(original).size() % 64));
    }

    void halfConversionIsExactForRepresentableValues()
    {
        for (float v : {0.0f, -0.0f, 1.0f, -2.5f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f})
            QCOMPARE(halfToFloat(floatToHalf(v)), v);
        QVERIFY(std::isinf(halfToFloat(floatToHalf(1e6f))));
        QVERIFY(std::isnan(halfToFloat(floatToHalf(std::nanf("")))));
        const float x = test::uniform(-1000.f, 1000.f);
        QVERIFY(std::abs(halfToFloat(floatToHalf(x)) - x) <= std::abs(x) * 0.0005f); // half has 11 bits
    }

    void readsWhatNumpyWrote()
    {
        const NpyArray array = parseNpy(bytesOf(kNumpyInt32, sizeof kNumpyInt32 - 1), "numpy.npy");
        QCOMPARE(array.shape, (std::vector<std::int64_t>{2, 3}));
        const auto values = array.view<std::int32_t>();
        for (int i = 0; i < 6; ++i)
            QCOMPARE(values[i], i);
    }

    void npzRoundTripAndEmpty()
    {
        QTemporaryDir dir;
        const auto path = std::filesystem::path(dir.path().toStdString()) / "b.npz";
        NpzArchive archive{{"x/positions", randomArray(DType::Float32)}, {"ids", randomArray(DType::Int64)},
                           {"mask", randomArray(DType::UInt8)}};
        writeNpz(path, archive);
        const NpzArchive back = readNpz(path);
        QCOMPARE(back.size(), archive.size());
        for (const auto& [name, array] : archive) {
            QVERIFY(back.contains(name));
            QVERIFY(back.at(name).bytes == array.bytes);
            QCOMPARE(back.at(name).shape, array.shape);
        }
        writeNpz(path, {});
        QVERIFY(readNpz(path).empty());
    }

    void malformedNpyIsRejectedWithTheProblem_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("expected");
        const QByteArray good(kNumpyInt32, sizeof kNumpyInt32 - 1);
        QByteArray badMagic = good;
        badMagic[1] = 'X';
        QTest::newRow("magic") << badMagic << "magic";
        QTest::newRow("truncated data") << good.left(good.size() - 3) << "truncated data";
        QTest::newRow("truncated header") << good.left(40) << "truncated";
        QTest::newRow("trailing bytes") << good + QByteArray("xx") << "unexpected bytes";
        QByteArray bigEndian = good;
        bigEndian.replace("'<i4'", "'>i4'");
        QTest::newRow("big endian") << bigEndian << "unsupported dtype '>i4'";
        QByteArray fortran = good;
        fortran.replace("False", "True ");
        QTest::newRow("fortran") << fortran << "Fortran";
        QByteArray complex = good;
        complex.replace("'<i4'", "'<c8'");
        QTest::newRow("complex") << complex << "unsupported dtype";
        QByteArray badShape = good;
        badShape.replace("(2, 3)", "(2, x)");
        QTest::newRow("shape") << badShape << "non-integer";
        QTest::newRow("empty") << QByteArray() << "not a .npy file";
    }
    void malformedNpyIsRejectedWithTheProblem()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, expected);
        try {
            parseNpy(bytesOf(bytes.constData(), bytes.size()), "bad.npy");
            QFAIL("accepted a malformed file");
        } catch (const FormatError& error) {
            const QString message = QString::fromUtf8(error.what());
            QVERIFY2(message.startsWith("bad.npy: "), qPrintable(message));
            QVERIFY2(message.contains(expected), qPrintable(message));
        }
    }

    void corruptNpzAndMissingFileNameThePath()
    {
        QTemporaryDir dir;
        const auto path = std::filesystem::path(dir.path().toStdString()) / "corrupt.npz";
        writeTextAtomically(path, "this is not a zip archive at all");
        try {
            readNpz(path);
            QFAIL("accepted a corrupt archive");
        } catch (const FormatError& error) {
            QVERIFY(QString(error.what()).contains("corrupt.npz"));
        }
        QVERIFY_THROWS_EXCEPTION(FileError, readNpy(std::filesystem::path(dir.path().toStdString()) / "missing.npy"));
    }

    void wrongDtypeAndShapeAreNamed()
    {
        const NpyArray array = randomArray(DType::Int32);
        try {
            (void)array.view<float>("positions");
            QFAIL("typed view ignored the dtype");
        } catch (const FormatError& error) {
            QVERIFY(QString(error.what()).contains("expected dtype float32, found int32"));
        }
        const NpyArray matrix = NpyArray::from<float>({4, 2}, std::vector<float>(8, 1.5f));
        QVERIFY_THROWS_EXCEPTION(FormatError, matrix.requireShape({-1, 3}, "positions"));
        matrix.requireShape({-1, 2}, "positions"); // matches: must not throw
    }
};

QTEST_GUILESS_MAIN(TestNpy)
#include "tst_npy.moc"
