#include "Npy.h"

#include "AtomicFile.h"
#include "Error.h"

#include <bit>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>

namespace ls {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";
// Refuse absurd headers and shapes up front instead of attempting huge allocations.
constexpr std::size_t kMaxHeaderLength = 1 << 20;

std::optional<DType> dtypeFromDescr(std::string_view descr)
{
    if (descr == "<f4") return DType::Float32;
    if (descr == "<f2") return DType::Float16;
    if (descr == "<i4") return DType::Int32;
    if (descr == "<i8") return DType::Int64;
    if (descr == "|u1" || descr == "<u1") return DType::UInt8;
    return std::nullopt;
}

// Finds the value text following 'key': in the header dict literal.
std::string_view dictValue(std::string_view header, std::string_view key, const std::string& source)
{
    const std::string quoted = "'" + std::string(key) + "'";
    const auto keyPos = header.find(quoted);
    if (keyPos == std::string_view::npos)
        throw FormatError(source, "npy header has no '" + std::string(key) + "' field");
    auto pos = header.find(':', keyPos + quoted.size());
    if (pos == std::string_view::npos)
        throw FormatError(source, "npy header field '" + std::string(key) + "' has no value");
    ++pos;
    while (pos < header.size() && header[pos] == ' ')
        ++pos;
    return header.substr(pos);
}

std::string parseDescr(std::string_view header, const std::string& source)
{
    const auto value = dictValue(header, "descr", source);
    if (value.empty() || value[0] != '\'')
        throw FormatError(source, "npy 'descr' must be a quoted dtype string (structured dtypes are not supported)");
    const auto end = value.find('\'', 1);
    if (end == std::string_view::npos)
        throw FormatError(source, "npy 'descr' string is not terminated");
    return std::string(value.substr(1, end - 1));
}

bool parseFortranOrder(std::string_view header, const std::string& source)
{
    const auto value = dictValue(header, "fortran_order", source);
    if (value.starts_with("False")) return false;
    if (value.starts_with("True")) return true;
    throw FormatError(source, "npy 'fortran_order' must be True or False");
}

std::vector<std::int64_t> parseShape(std::string_view header, const std::string& source)
{
    const auto value = dictValue(header, "shape", source);
    if (value.empty() || value[0] != '(')
        throw FormatError(source, "npy 'shape' must be a tuple");
    const auto close = value.find(')');
    if (close == std::string_view::npos)
        throw FormatError(source, "npy 'shape' tuple is not closed");
    std::vector<std::int64_t> shape;
    std::string_view body = value.substr(1, close - 1);
    while (!body.empty()) {
        while (!body.empty() && (body.front() == ' ' || body.front() == ','))
            body.remove_prefix(1);
        if (body.empty())
            break;
        std::int64_t dim = 0;
        std::size_t digits = 0;
        while (digits < body.size() && body[digits] >= '0' && body[digits] <= '9') {
            const int digit = body[digits] - '0';
            if (dim > (std::numeric_limits<std::int64_t>::max() - digit) / 10)
                throw FormatError(source, "npy 'shape' dimension is too large");
            dim = dim * 10 + digit;
            ++digits;
        }
        if (digits == 0)
            throw FormatError(source, "npy 'shape' holds a non-integer entry '" + std::string(body) + "'");
        shape.push_back(dim);
        body.remove_prefix(digits);
    }
    return shape;
}

std::uint32_t readLittleEndian(const std::byte* p, int count)
{
    std::uint32_t value = 0;
    for (int i = count - 1; i >= 0; --i)
        value = (value << 8) | static_cast<std::uint32_t>(p[i]);
    return value;
}

} // namespace

const char* npyDescr(DType dtype)
{
    switch (dtype) {
    case DType::Float32: return "<f4";
    case DType::Float16: return "<f2";
    case DType::Int32: return "<i4";
    case DType::Int64: return "<i8";
    case DType::UInt8: return "|u1";
    }
    return "?";
}

const char* dtypeName(DType dtype)
{
    switch (dtype) {
    case DType::Float32: return "float32";
    case DType::Float16: return "float16";
    case DType::Int32: return "int32";
    case DType::Int64: return "int64";
    case DType::UInt8: return "uint8";
    }
    return "?";
}

std::size_t dtypeSize(DType dtype)
{
    switch (dtype) {
    case DType::Float32: return 4;
    case DType::Float16: return 2;
    case DType::Int32: return 4;
    case DType::Int64: return 8;
    case DType::UInt8: return 1;
    }
    return 0;
}

std::uint16_t floatToHalf(float value)
{
    const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
    const std::uint32_t sign = (bits >> 16) & 0x8000u;
    const std::uint32_t exponent = (bits >> 23) & 0xffu;
    std::uint32_t mantissa = bits & 0x7fffffu;
    if (exponent == 0xff) // inf or NaN (keep NaN quiet and non-zero)
        return static_cast<std::uint16_t>(sign | 0x7c00u | (mantissa ? 0x200u : 0u));
    const int halfExponent = static_cast<int>(exponent) - 127 + 15;
    if (halfExponent >= 0x1f)
        return static_cast<std::uint16_t>(sign | 0x7c00u);
    if (halfExponent <= 0) {
        if (halfExponent < -10)
            return static_cast<std::uint16_t>(sign);
        mantissa |= 0x800000u;
        const int shift = 14 - halfExponent;
        std::uint32_t half = mantissa >> shift;
        const std::uint32_t remainder = mantissa & ((1u << shift) - 1u);
        const std::uint32_t halfway = 1u << (shift - 1);
        if (remainder > halfway || (remainder == halfway && (half & 1u)))
            ++half;
        return static_cast<std::uint16_t>(sign | half);
    }
    std::uint32_t half = (static_cast<std::uint32_t>(halfExponent) << 10) | (mantissa >> 13);
    const std::uint32_t remainder = mantissa & 0x1fffu;
    if (remainder > 0x1000u || (remainder == 0x1000u && (half & 1u)))
        ++half; // may carry into the exponent, which is the correct rounding
    return static_cast<std::uint16_t>(sign | half);
}

float halfToFloat(std::uint16_t bits)
{
    const std::uint32_t sign = static_cast<std::uint32_t>(bits & 0x8000u) << 16;
    const std::uint32_t exponent = (bits >> 10) & 0x1fu;
    std::uint32_t mantissa = bits & 0x3ffu;
    std::uint32_t out;
    if (exponent == 0) {
        if (mantissa == 0) {
            out = sign;
        } else { // subnormal: normalise
            int e = -1;
            do {
                ++e;
                mantissa <<= 1;
            } while ((mantissa & 0x400u) == 0);
            out = sign | (static_cast<std::uint32_t>(127 - 15 - e) << 23) | ((mantissa & 0x3ffu) << 13);
        }
    } else if (exponent == 0x1f) {
        out = sign | 0x7f800000u | (mantissa << 13);
    } else {
        out = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
    }
    return std::bit_cast<float>(out);
}

std::int64_t NpyArray::elementCount() const
{
    std::int64_t count = 1;
    for (auto dim : shape)
        count *= dim;
    return count;
}

NpyArray NpyArray::fromHalf(std::vector<std::int64_t> shape, std::span<const float> values)
{
    std::vector<std::uint16_t> halves(values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
        halves[i] = floatToHalf(values[i]);
    NpyArray array{DType::Float16, std::move(shape), {}};
    const auto raw = std::as_bytes(std::span(halves));
    array.bytes.assign(raw.begin(), raw.end());
    array.checkConsistent("array");
    return array;
}

std::vector<float> NpyArray::toFloat() const
{
    const auto count = static_cast<std::size_t>(elementCount());
    std::vector<float> out(count);
    const auto* raw = bytes.data();
    for (std::size_t i = 0; i < count; ++i) {
        switch (dtype) {
        case DType::Float32: { float v; std::memcpy(&v, raw + 4 * i, 4); out[i] = v; break; }
        case DType::Float16: { std::uint16_t v; std::memcpy(&v, raw + 2 * i, 2); out[i] = halfToFloat(v); break; }
        case DType::Int32: { std::int32_t v; std::memcpy(&v, raw + 4 * i, 4); out[i] = static_cast<float>(v); break; }
        case DType::Int64: { std::int64_t v; std::memcpy(&v, raw + 8 * i, 8); out[i] = static_cast<float>(v); break; }
        case DType::UInt8: out[i] = static_cast<float>(std::to_integer<std::uint8_t>(raw[i])); break;
        }
    }
    return out;
}

void NpyArray::requireDtype(DType expected, const std::string& what) const
{
    if (dtype != expected)
        throw FormatError(what, std::string("expected dtype ") + dtypeName(expected) + ", found " + dtypeName(dtype));
}

void NpyArray::requireShape(const std::vector<std::int64_t>& expected, const std::string& what) const
{
    bool matches = expected.size() == shape.size();
    for (std::size_t i = 0; matches && i < expected.size(); ++i)
        matches = expected[i] < 0 || expected[i] == shape[i];
    if (!matches) {
        std::string wanted = "(";
        for (std::size_t i = 0; i < expected.size(); ++i)
            wanted += (i ? ", " : "") + (expected[i] < 0 ? std::string("N") : std::to_string(expected[i]));
        wanted += expected.size() == 1 ? ",)" : ")";
        throw FormatError(what, "expected shape " + wanted + ", found " + shapeToString(shape));
    }
}

void NpyArray::checkConsistent(const std::string& what) const
{
    const auto expected = static_cast<std::size_t>(elementCount()) * dtypeSize(dtype);
    if (bytes.size() != expected)
        throw FormatError(what, "holds " + std::to_string(bytes.size()) + " bytes but shape " +
                                    shapeToString(shape) + " of " + dtypeName(dtype) + " needs " +
                                    std::to_string(expected));
}

std::string shapeToString(const std::vector<std::int64_t>& shape)
{
    std::string text = "(";
    for (std::size_t i = 0; i < shape.size(); ++i)
        text += (i ? ", " : "") + std::to_string(shape[i]);
    text += shape.size() == 1 ? ",)" : ")";
    return text;
}

NpyArray parseNpy(std::span<const std::byte> fileBytes, const std::string& source)
{
    if (fileBytes.size() < 10 ||
        std::memcmp(fileBytes.data(), kMagic.data(), kMagic.size()) != 0)
        throw FormatError(source, "not a .npy file (missing \\x93NUMPY magic)");
    const auto major = std::to_integer<int>(fileBytes[6]);
    int lengthBytes = 0;
    if (major == 1) lengthBytes = 2;
    else if (major == 2 || major == 3) lengthBytes = 4;
    else throw FormatError(source, "unsupported .npy format version " + std::to_string(major));
    if (fileBytes.size() < 8u + lengthBytes)
        throw FormatError(source, "truncated .npy header");
    const std::size_t headerLength = readLittleEndian(fileBytes.data() + 8, lengthBytes);
    const std::size_t dataOffset = 8 + lengthBytes + headerLength;
    if (headerLength > kMaxHeaderLength)
        throw FormatError(source, "npy header length " + std::to_string(headerLength) + " is implausible");
    if (fileBytes.size() < dataOffset)
        throw FormatError(source, "truncated .npy header (file ends inside it)");
    const std::string_view header(reinterpret_cast<const char*>(fileBytes.data() + 8 + lengthBytes), headerLength);

    const std::string descr = parseDescr(header, source);
    const auto dtype = dtypeFromDescr(descr);
    if (!dtype)
        throw FormatError(source, "unsupported dtype '" + descr +
                                      "' (supported: <f4, <f2, <i4, <i8, |u1 little-endian)");
    if (parseFortranOrder(header, source))
        throw FormatError(source, "Fortran-order arrays are not supported; save with np.ascontiguousarray");

    NpyArray array;
    array.dtype = *dtype;
    array.shape = parseShape(header, source);
    std::uint64_t expectedBytes = dtypeSize(array.dtype);
    for (auto dim : array.shape) {
        if (dim != 0 && expectedBytes > std::numeric_limits<std::uint64_t>::max() / static_cast<std::uint64_t>(dim))
            throw FormatError(source, "shape " + shapeToString(array.shape) + " overflows");
        expectedBytes *= static_cast<std::uint64_t>(dim);
    }
    const std::size_t available = fileBytes.size() - dataOffset;
    if (available < expectedBytes)
        throw FormatError(source, "truncated data: shape " + shapeToString(array.shape) + " of " +
                                      dtypeName(array.dtype) + " needs " + std::to_string(expectedBytes) +
                                      " bytes, file has " + std::to_string(available));
    if (available > expectedBytes)
        throw FormatError(source, std::to_string(available - expectedBytes) + " unexpected bytes after the data");
    array.bytes.assign(fileBytes.begin() + static_cast<std::ptrdiff_t>(dataOffset), fileBytes.end());
    return array;
}

std::vector<std::byte> serializeNpy(const NpyArray& array)
{
    array.checkConsistent("array");
    std::string header = std::string("{'descr': '") + npyDescr(array.dtype) +
                         "', 'fortran_order': False, 'shape': " + shapeToString(array.shape) + ", }";
    // Pad with spaces so that magic + length + header + '\n' is a multiple of 64 (as NumPy does).
    const std::size_t unpadded = 10 + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header.push_back('\n');

    std::vector<std::byte> out;
    out.reserve(10 + header.size() + array.bytes.size());
    for (char c : kMagic)
        out.push_back(static_cast<std::byte>(c));
    out.push_back(std::byte{1});
    out.push_back(std::byte{0});
    out.push_back(static_cast<std::byte>(header.size() & 0xff));
    out.push_back(static_cast<std::byte>((header.size() >> 8) & 0xff));
    for (char c : header)
        out.push_back(static_cast<std::byte>(c));
    out.insert(out.end(), array.bytes.begin(), array.bytes.end());
    return out;
}

NpyArray readNpy(const std::filesystem::path& path)
{
    const auto bytes = readFileBytes(path);
    return parseNpy(bytes, path.string());
}

void writeNpy(const std::filesystem::path& path, const NpyArray& array)
{
    writeBytesAtomically(path, serializeNpy(array));
}

} // namespace ls
