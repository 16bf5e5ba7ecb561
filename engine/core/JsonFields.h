#pragma once
// Reading required fields from JSON documents with errors that name the source and the field.
#include "Error.h"

#include <nlohmann/json.hpp>
#include <string>

namespace ls {

// Parses JSON text; a syntax error becomes a FormatError naming `source` and the line.
nlohmann::json parseJsonText(const std::string& text, const std::string& source);

// `where` names the document and the object in it, e.g. "s.lstudio runs[2]".
template <class T>
T requiredField(const nlohmann::json& object, const char* key, const std::string& where)
{
    if (!object.is_object() || !object.contains(key))
        throw FormatError(where, std::string("missing field '") + key + "'");
    try {
        return object.at(key).get<T>();
    } catch (const nlohmann::json::exception&) {
        throw FormatError(where, std::string("field '") + key + "' has the wrong type");
    }
}

} // namespace ls
