#include "FileParameterRecords.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>

namespace ls::host {

nlohmann::json fileParameterRecords(const ParameterSchema& schema, const ParameterValues& values)
{
    nlohmann::json records = nlohmann::json::array();
    for (const auto& spec : schema.specs) {
        if (spec.type != ParameterType::File)
            continue;
        const auto found = values.find(spec.key);
        if (found == values.end() || !std::holds_alternative<std::string>(found->second) || std::get<std::string>(found->second).empty())
            continue;
        const QFileInfo info(QString::fromStdString(std::get<std::string>(found->second)));
        if (!info.exists())
            continue;
        nlohmann::json record = {{"key", spec.key}, {"file", info.absoluteFilePath().toStdString()}};
        if (info.isDir()) {
            record["bytes"] = 0;
            record["shape"] = "folder";
            record["sha256"] = "";
        } else {
            record["bytes"] = info.size();
            record["shape"] = "file";
            QFile file(info.absoluteFilePath());
            QCryptographicHash hash(QCryptographicHash::Sha256);
            if (info.size() <= kMaxHashedBytes && file.open(QIODevice::ReadOnly) && hash.addData(&file))
                record["sha256"] = hash.result().toHex().toStdString();
            else
                record["sha256"] = info.size() > kMaxHashedBytes ? "not hashed (over 1 GiB)" : "unreadable";
        }
        records.push_back(std::move(record));
    }
    return records;
}

} // namespace ls::host
