#pragma once
// NumPy .npy arrays: the format tensors cross process boundaries in (DESIGN.md), so that any other
// implementation can be compared with ours. C order, little endian; five dtypes.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace ls {

enum class DType { Float32, Float16, Int32, Int64, UInt8 };

const char* npyDescr(DType dtype);   // "<f4", ...
const char* dtypeName(DType dtype);  // "float32", ...
std::size_t dtypeSize(DType dtype);

template <class T> constexpr DType dtypeOf();
template <> constexpr DType dtypeOf<float>() { return DType::Float32; }
template <> constexpr DType dtypeOf<std::int32_t>() { return DType::Int32; }
template <> constexpr DType dtypeOf<std::int64_t>() { return DType::Int64; }
template <> constexpr DType dtypeOf<std::uint8_t>() { return DType::UInt8; }

// IEEE half <-> float, round to nearest even; float16 arrays hold raw uint16 bit patterns.
std::uint16_t floatToHalf(float value);
float halfToFloat(std::uint16_t bits);

struct NpyArray {
    DType dtype = DType::Float32;
    std::vector<std::int64_t> shape;
    std::vector<std::byte> bytes; // C-order element data, little endian

    std::int64_t elementCount() const;

    template <class T> static NpyArray from(std::vector<std::int64_t> shape, std::span<const T> values)
    {
        NpyArray array{dtypeOf<T>(), std::move(shape), {}};
        const auto raw = std::as_bytes(values);
        array.bytes.assign(raw.begin(), raw.end());
        array.checkConsistent("array");
        return array;
    }
    static NpyArray fromHalf(std::vector<std::int64_t> shape, std::span<const float> values);

    // Typed views; throw FormatError naming `what` if the dtype differs.
    template <class T> std::span<const T> view(const std::string& what = "array") const
    {
        requireDtype(dtypeOf<T>(), what);
        return {reinterpret_cast<const T*>(bytes.data()), bytes.size() / sizeof(T)};
    }
    // Any numeric dtype converted to float (float16 decoded).
    std::vector<float> toFloat() const;

    void requireDtype(DType expected, const std::string& what) const;
    // Throws FormatError unless the shape has `rank` dimensions; -1 entries in `expected` match any.
    void requireShape(const std::vector<std::int64_t>& expected, const std::string& what) const;
    void checkConsistent(const std::string& what) const;
};

// Parses the bytes of a .npy file; `source` names it in error messages.
NpyArray parseNpy(std::span<const std::byte> fileBytes, const std::string& source);
std::vector<std::byte> serializeNpy(const NpyArray& array);

NpyArray readNpy(const std::filesystem::path& path);
void writeNpy(const std::filesystem::path& path, const NpyArray& array); // atomic

std::string shapeToString(const std::vector<std::int64_t>& shape); // "(3, 4)"

} // namespace ls
