#include "Csv.h"

namespace ls {

std::string csvField(const std::string& text)
{
    if (text.find_first_of(",\"\n") == std::string::npos)
        return text;
    std::string quoted = "\"";
    for (char c : text)
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

std::string tableToCsv(const Table& table)
{
    std::string csv;
    auto line = [&](const std::vector<std::string>& cells) {
        for (std::size_t i = 0; i < cells.size(); ++i)
            csv += (i ? "," : "") + csvField(cells[i]);
        csv += '\n';
    };
    line(table.columns);
    for (const auto& row : table.rows)
        line(row);
    return csv;
}

} // namespace ls
