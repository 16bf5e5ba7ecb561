#pragma once
// CSV as spreadsheets read it (RFC 4180): fields with commas, quotes or newlines are quoted.
#include "Dataset.h"

#include <string>

namespace ls {

std::string csvField(const std::string& text);
std::string tableToCsv(const Table& table); // header row, then one line per row
}
