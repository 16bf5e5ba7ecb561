#include "PcdPlyReaders.h"

#include "engine/core/AtomicFile.h"
#include "engine/core/CheckedSize.h"
#include "engine/core/Error.h"

#include <lzf.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <sstream>

namespace ls::pointcloud {
namespace {

constexpr std::size_t kMaxFields = 256;        // FIELDS or vertex properties
constexpr std::uint64_t kMaxFieldCount = 1 << 16; // COUNT of one PCD field
constexpr std::uint64_t kLzfMaxRatio = 128;       // an LZF back reference: ≤ 264 bytes from 3

struct Field {
    std::string name;
    int size = 4;      // bytes per value
    char type = 'F';   // F float, I signed, U unsigned
    int count = 1;
    std::size_t offset = 0; // within a point (binary) or column start (compressed)
};

double readScalar(const std::byte* at, const Field& field, bool bigEndian = false)
{
    std::byte bytes[8];
    std::memcpy(bytes, at, field.size);
    if (bigEndian)
        std::reverse(bytes, bytes + field.size);
    switch (field.type) {
    case 'F':
        if (field.size == 4) { float v; std::memcpy(&v, bytes, 4); return v; }
        if (field.size == 8) { double v; std::memcpy(&v, bytes, 8); return v; }
        break;
    case 'I':
        if (field.size == 1) return static_cast<double>(static_cast<std::int8_t>(bytes[0]));
        if (field.size == 2) { std::int16_t v; std::memcpy(&v, bytes, 2); return v; }
        if (field.size == 4) { std::int32_t v; std::memcpy(&v, bytes, 4); return v; }
        if (field.size == 8) { std::int64_t v; std::memcpy(&v, bytes, 8); return static_cast<double>(v); }
        break;
    case 'U':
        if (field.size == 1) return static_cast<double>(static_cast<std::uint8_t>(bytes[0]));
        if (field.size == 2) { std::uint16_t v; std::memcpy(&v, bytes, 2); return v; }
        if (field.size == 4) { std::uint32_t v; std::memcpy(&v, bytes, 4); return v; }
        if (field.size == 8) { std::uint64_t v; std::memcpy(&v, bytes, 8); return static_cast<double>(v); }
        break;
    }
    return NAN;
}

// Where x, y, z and intensity are among the fields (−1: absent).
struct Columns {
    int x = -1, y = -1, z = -1, intensity = -1;
};

Columns columnsOf(const std::vector<Field>& fields, const std::string& source, std::initializer_list<const char*> intensityNames)
{
    Columns c;
    for (int i = 0; i < static_cast<int>(fields.size()); ++i) {
        const std::string& n = fields[i].name;
        if (n == "x") c.x = i;
        else if (n == "y") c.y = i;
        else if (n == "z") c.z = i;
        else if (c.intensity < 0 && std::find_if(intensityNames.begin(), intensityNames.end(), [&](const char* m) { return n == m; }) != intensityNames.end())
            c.intensity = i;
    }
    if (c.x < 0 || c.y < 0 || c.z < 0)
        throw FormatError(source, "the header names no x, y and z fields");
    return c;
}

// Reads the header lines of a text header ending at `endMarker` (or at the DATA line for PCD).
std::string headerLine(const std::vector<std::byte>& bytes, std::size_t& at)
{
    const std::size_t begin = at;
    while (at < bytes.size() && bytes[at] != std::byte{'\n'})
        ++at;
    std::string line(reinterpret_cast<const char*>(bytes.data()) + begin, at - begin);
    if (at < bytes.size())
        ++at;
    if (!line.empty() && line.back() == '\r')
        line.pop_back();
    return line;
}

void appendPoint(PointArray& out, double x, double y, double z, double intensity)
{
    out.values.insert(out.values.end(), {static_cast<float>(x), static_cast<float>(y), static_cast<float>(z), static_cast<float>(intensity)});
}

} // namespace

PointArray readPcd(const std::filesystem::path& path)
{
    const std::string source = path.string();
    const std::vector<std::byte> bytes = readFileBytes(path);
    std::vector<Field> fields;
    std::size_t points = 0, width = 0, height = 1, at = 0;
    std::string data;
    std::size_t lineNumber = 0;
    auto fail = [&](const std::string& problem) -> FormatError { return FormatError(source + " line " + std::to_string(lineNumber), problem); };
    while (data.empty()) {
        if (at >= bytes.size())
            throw FormatError(source, "the header ends before its DATA line");
        ++lineNumber;
        std::istringstream line(headerLine(bytes, at));
        std::string key;
        if (!(line >> key) || key[0] == '#')
            continue;
        std::vector<std::string> words;
        for (std::string w; line >> w;)
            words.push_back(w);
        if (key == "FIELDS") {
            if (words.size() > kMaxFields)
                throw fail("FIELDS names " + std::to_string(words.size()) + " fields; at most " + std::to_string(kMaxFields) + " are read");
            fields.clear();
            for (const auto& w : words)
                fields.push_back({w});
        } else if (key == "SIZE" || key == "TYPE" || key == "COUNT") {
            if (words.size() != fields.size())
                throw fail(key + " has " + std::to_string(words.size()) + " entries for " + std::to_string(fields.size()) + " fields");
            for (std::size_t i = 0; i < words.size(); ++i) {
                if (key == "TYPE") {
                    if (words[i] != "F" && words[i] != "I" && words[i] != "U")
                        throw fail("TYPE '" + words[i] + "' is not F, I or U");
                    fields[i].type = words[i][0];
                } else {
                    const auto value = static_cast<int>(parseCount(words[i], source + " line " + std::to_string(lineNumber), key, kMaxFieldCount));
                    if (key == "SIZE" && value != 1 && value != 2 && value != 4 && value != 8)
                        throw fail("SIZE " + words[i] + " is not 1, 2, 4 or 8");
                    if (key == "COUNT" && value < 1)
                        throw fail("COUNT " + words[i] + " must be at least 1");
                    (key == "SIZE" ? fields[i].size : fields[i].count) = value;
                }
            }
        } else if (key == "WIDTH" && !words.empty()) {
            width = parseCount(words[0], source + " line " + std::to_string(lineNumber), "WIDTH");
        } else if (key == "HEIGHT" && !words.empty()) {
            height = parseCount(words[0], source + " line " + std::to_string(lineNumber), "HEIGHT");
        } else if (key == "POINTS" && !words.empty()) {
            points = parseCount(words[0], source + " line " + std::to_string(lineNumber), "POINTS");
        } else if (key == "DATA") {
            if (words.empty())
                throw fail("DATA names no encoding");
            data = words[0];
        }
    }
    if (data != "ascii" && data != "binary" && data != "binary_compressed")
        throw FormatError(source, "DATA '" + data + "' is not ascii, binary or binary_compressed");
    const std::uint64_t cells = checkedMultiply(width, height, source, "WIDTH × HEIGHT");
    if (points == 0)
        points = cells;
    if (cells != points)
        throw FormatError(source, "WIDTH × HEIGHT = " + std::to_string(cells) + " but POINTS = " + std::to_string(points));
    const Columns c = columnsOf(fields, source, {"intensity", "i"});
    std::size_t pointBytes = 0;
    for (auto& f : fields) {
        f.offset = pointBytes;
        pointBytes += static_cast<std::size_t>(f.size) * f.count; // ≤ kMaxFields × 8 × kMaxFieldCount
    }
    const std::size_t remaining = bytes.size() - at;
    // Every point takes at least one byte of the file (ascii: a digit and a line end; binary:
    // pointBytes; compressed: at most kLzfMaxRatio bytes per compressed byte), so the count is
    // checked against the file's length before anything is reserved.
    const std::uint64_t dataBytes = checkedMultiply(points, pointBytes, source, "POINTS × point size");
    if (data == "ascii" && points > remaining / 2)
        throw FormatError(source, "truncated: " + std::to_string(remaining) + " bytes cannot hold " + std::to_string(points) + " ascii points");
    if (data == "binary" && dataBytes > remaining)
        throw FormatError(source, "truncated: " + std::to_string(remaining) + " data bytes for " + std::to_string(points) +
                                      " points of " + std::to_string(pointBytes) + " bytes");
    if (data == "binary_compressed" && dataBytes > checkedMultiply(remaining, kLzfMaxRatio, source, "compressed size"))
        throw FormatError(source, std::to_string(points) + " points of " + std::to_string(pointBytes) + " bytes cannot come from " +
                                      std::to_string(remaining) + " compressed bytes");
    PointArray out;
    out.channels = 4;
    out.values.reserve(checkedMultiply(points, 4, source, "POINTS"));
    auto valueAt = [&](const std::byte* point, int column) { return column < 0 ? 0.0 : readScalar(point + fields[column].offset, fields[column]); };
    if (data == "ascii") {
        std::size_t index = 0;
        std::vector<double> values;
        while (index < points && at < bytes.size()) {
            ++lineNumber;
            std::istringstream line(headerLine(bytes, at));
            values.clear();
            for (std::string w; line >> w;)
                values.push_back(w == "nan" || w == "NaN" ? NAN : std::strtod(w.c_str(), nullptr));
            if (values.empty())
                continue;
            // Value columns: each field takes COUNT values.
            std::vector<std::size_t> start(fields.size());
            std::size_t total = 0;
            for (std::size_t f = 0; f < fields.size(); ++f) { start[f] = total; total += fields[f].count; }
            if (values.size() != total)
                throw fail("has " + std::to_string(values.size()) + " values, the fields need " + std::to_string(total));
            appendPoint(out, values[start[c.x]], values[start[c.y]], values[start[c.z]], c.intensity < 0 ? 0.0 : values[start[c.intensity]]);
            ++index;
        }
        if (index < points)
            throw FormatError(source, "truncated: " + std::to_string(index) + " of " + std::to_string(points) + " points");
    } else if (data == "binary") {
        for (std::size_t i = 0; i < points; ++i) {
            const std::byte* point = bytes.data() + at + i * pointBytes;
            appendPoint(out, valueAt(point, c.x), valueAt(point, c.y), valueAt(point, c.z), valueAt(point, c.intensity));
        }
    } else if (data == "binary_compressed") {
        if (bytes.size() - at < 8)
            throw FormatError(source, "truncated: no compressed sizes after DATA binary_compressed");
        std::uint32_t compressed = 0, uncompressed = 0;
        std::memcpy(&compressed, bytes.data() + at, 4);
        std::memcpy(&uncompressed, bytes.data() + at + 4, 4);
        if (bytes.size() - at - 8 < compressed)
            throw FormatError(source, "truncated: " + std::to_string(bytes.size() - at - 8) + " of " + std::to_string(compressed) + " compressed bytes");
        if (uncompressed != dataBytes)
            throw FormatError(source, "binary_compressed holds " + std::to_string(uncompressed) + " bytes, the fields need " +
                                          std::to_string(dataBytes));
        std::vector<std::byte> plain(uncompressed);
        if (uncompressed > 0 &&
            lzf_decompress(bytes.data() + at + 8, compressed, plain.data(), uncompressed) != uncompressed)
            throw FormatError(source, "the LZF data does not decompress to " + std::to_string(uncompressed) + " bytes (corrupt)");
        // Fields one after another: field f's values start at points × (bytes of the fields before it).
        for (std::size_t i = 0; i < points; ++i) {
            auto valueOf = [&](int column) {
                if (column < 0) return 0.0;
                const Field& f = fields[column];
                return readScalar(plain.data() + points * f.offset + i * static_cast<std::size_t>(f.size) * f.count, f);
            };
            appendPoint(out, valueOf(c.x), valueOf(c.y), valueOf(c.z), valueOf(c.intensity));
        }
    } else {
        throw FormatError(source, "DATA '" + data + "' is not ascii, binary or binary_compressed");
    }
    return out;
}

PointArray readPly(const std::filesystem::path& path)
{
    const std::string source = path.string();
    const std::vector<std::byte> bytes = readFileBytes(path);
    std::size_t at = 0, lineNumber = 1;
    if (headerLine(bytes, at) != "ply")
        throw FormatError(source + " line 1", "not a PLY file (the first line must be 'ply')");
    std::string format;
    std::vector<Field> fields;
    std::size_t vertices = 0;
    bool inVertex = false, sawVertex = false, vertexFirst = true;
    auto fail = [&](const std::string& problem) -> FormatError { return FormatError(source + " line " + std::to_string(lineNumber), problem); };
    for (;;) {
        if (at >= bytes.size())
            throw FormatError(source, "the header has no end_header");
        ++lineNumber;
        std::istringstream line(headerLine(bytes, at));
        std::string key;
        line >> key;
        if (key == "end_header")
            break;
        if (key == "format") {
            line >> format;
        } else if (key == "element") {
            std::string name, countText;
            if (!(line >> name >> countText))
                throw fail("element needs a name and a count");
            const std::uint64_t count = parseCount(countText, source + " line " + std::to_string(lineNumber), "element count");
            inVertex = name == "vertex";
            if (inVertex) {
                vertices = count;
                sawVertex = true;
            } else if (!sawVertex && count > 0) {
                vertexFirst = false;
            }
        } else if (key == "property" && inVertex) {
            std::string type, name;
            line >> type;
            if (type == "list")
                throw fail("list properties on vertices are not supported");
            line >> name;
            Field f{name};
            static const std::pair<const char*, std::pair<char, int>> types[] = {
                {"char", {'I', 1}}, {"int8", {'I', 1}}, {"uchar", {'U', 1}}, {"uint8", {'U', 1}}, {"short", {'I', 2}}, {"int16", {'I', 2}},
                {"ushort", {'U', 2}}, {"uint16", {'U', 2}}, {"int", {'I', 4}}, {"int32", {'I', 4}}, {"uint", {'U', 4}}, {"uint32", {'U', 4}},
                {"float", {'F', 4}}, {"float32", {'F', 4}}, {"double", {'F', 8}}, {"float64", {'F', 8}}};
            const auto found = std::find_if(std::begin(types), std::end(types), [&](const auto& t) { return type == t.first; });
            if (found == std::end(types))
                throw fail("unknown property type '" + type + "'");
            f.type = found->second.first;
            f.size = found->second.second;
            if (fields.size() >= kMaxFields)
                throw fail("more than " + std::to_string(kMaxFields) + " vertex properties");
            fields.push_back(f);
        }
    }
    if (!sawVertex)
        throw FormatError(source, "no vertex element");
    if (format != "ascii" && format != "binary_little_endian" && format != "binary_big_endian")
        throw FormatError(source, "format '" + format + "' is not ascii, binary_little_endian or binary_big_endian");
    if (!vertexFirst && format != "ascii")
        throw FormatError(source, "the vertex element must come first in a binary PLY");
    const Columns c = columnsOf(fields, source, {"intensity", "scalar_intensity", "reflectance"});
    std::size_t vertexBytes = 0;
    for (auto& f : fields) {
        f.offset = vertexBytes;
        vertexBytes += f.size;
    }
    const std::size_t remaining = bytes.size() - at;
    const std::uint64_t dataBytes = checkedMultiply(vertices, vertexBytes, source, "vertex count × vertex size");
    if (format == "ascii" ? vertices > remaining / 2 : dataBytes > remaining)
        throw FormatError(source, "truncated: " + std::to_string(remaining) + " data bytes for " + std::to_string(vertices) +
                                      " vertices of " + std::to_string(vertexBytes) + " bytes");
    PointArray out;
    out.channels = 4;
    out.values.reserve(checkedMultiply(vertices, 4, source, "vertex count"));
    if (format == "ascii") {
        for (std::size_t i = 0; i < vertices; ++i) {
            if (at >= bytes.size())
                throw FormatError(source, "truncated: " + std::to_string(i) + " of " + std::to_string(vertices) + " vertices");
            ++lineNumber;
            std::istringstream line(headerLine(bytes, at));
            std::vector<double> values;
            for (std::string w; line >> w;)
                values.push_back(std::strtod(w.c_str(), nullptr));
            if (values.size() < fields.size())
                throw fail("has " + std::to_string(values.size()) + " values for " + std::to_string(fields.size()) + " properties");
            appendPoint(out, values[c.x], values[c.y], values[c.z], c.intensity < 0 ? 0.0 : values[c.intensity]);
        }
        return out;
    }
    const bool bigEndian = format == "binary_big_endian";
    for (std::size_t i = 0; i < vertices; ++i) {
        const std::byte* vertex = bytes.data() + at + i * vertexBytes;
        auto valueOf = [&](int column) { return column < 0 ? 0.0 : readScalar(vertex + fields[column].offset, fields[column], bigEndian); };
        appendPoint(out, valueOf(c.x), valueOf(c.y), valueOf(c.z), valueOf(c.intensity));
    }
    return out;
}

} // namespace ls::pointcloud
