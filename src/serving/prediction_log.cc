#include "serving/prediction_log.h"

#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "common/json_text.h"
#include "common/time_format.h"

namespace churnml::serving {

namespace {

constexpr std::string_view kBaseName = "predictions";
constexpr size_t kMaxLineBytes = 64 * 1024;

void AppendField(std::string& line, std::string_view name, std::string_view value) {
  line += ",\"";
  line += name;
  line += "\":\"";
  AppendJsonEscaped(value, line);
  line += '"';
}

// 0 for predictions.jsonl, N for predictions.N.jsonl, -1 for other names.
int RotationIndex(const std::string& name) {
  const std::string head = std::string(kBaseName) + ".";
  if (name == std::string(kBaseName) + ".jsonl") return 0;
  if (name.rfind(head, 0) != 0 || name.size() <= head.size() + 6) return -1;
  const std::string middle = name.substr(head.size(), name.size() - head.size() - 6);
  if (name.compare(name.size() - 6, 6, ".jsonl") != 0 || middle.empty() || middle.size() > 6) {
    return -1;
  }
  for (char c : middle) {
    if (c < '0' || c > '9') return -1;
  }
  return std::stoi(middle);
}

// The string member `key`, or "" when absent or not a string.
std::string Str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// ,"features":{"name":value,…}: the raw feature columns of `row`.
void AppendFeatures(std::string& line, const Dataset& rows, size_t row) {
  line += ",\"features\":{";
  bool first = true;
  const std::vector<ColumnSpec>& columns = rows.schema().columns();
  for (size_t c = 0; c < columns.size(); ++c) {
    if (columns[c].role != ColumnRole::kFeature) continue;
    if (!first) line += ',';
    first = false;
    line += '"';
    AppendJsonEscaped(columns[c].name, line);
    line += "\":";
    const ColumnData& data = rows.column(c);
    if (columns[c].type == ColumnType::kCategorical) {
      const int32_t code = row < data.codes.size() ? data.codes[row] : kMissingCode;
      if (code < 0 || static_cast<size_t>(code) >= data.levels.size()) {
        line += "null";
      } else {
        line += '"';
        AppendJsonEscaped(data.levels[static_cast<size_t>(code)], line);
        line += '"';
      }
    } else {
      const double v = row < data.numbers.size() ? data.numbers[row] : kMissingNumber;
      line += std::isfinite(v) ? fmt::format("{}", v) : std::string("null");
    }
  }
  line += '}';
}

}  // namespace

Result<std::unique_ptr<PredictionLog>> PredictionLog::Open(const PredictionLogOptions& options) {
  if (options.max_file_bytes == 0 || options.max_files == 0 || options.queue_lines == 0) {
    return InvalidArgumentError("--prediction-log: file size, file count and queue must be > 0");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) {
    return IOError("--prediction-log " + options.dir.string() + ": cannot create: " + ec.message());
  }
  std::unique_ptr<PredictionLog> log(new PredictionLog());
  log->log_features_ = options.log_features;
  try {
    log->pool_ = std::make_shared<spdlog::details::thread_pool>(options.queue_lines, 1);
    auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
        (options.dir / (std::string(kBaseName) + ".jsonl")).string(), options.max_file_bytes,
        options.max_files - 1);
    log->logger_ =
        std::make_shared<spdlog::async_logger>("churnml-predictions", std::move(sink), log->pool_,
                                               spdlog::async_overflow_policy::overrun_oldest);
    log->logger_->set_pattern("%v");
    log->logger_->set_level(spdlog::level::info);
  } catch (const spdlog::spdlog_ex& e) {
    return IOError("--prediction-log " + options.dir.string() + ": " + e.what());
  }
  return log;
}

PredictionLog::~PredictionLog() { Flush(); }

void PredictionLog::Append(const PredictionLogEntry& entry) {
  std::string line;
  line.reserve(192);
  line += "{\"ts\":\"";
  line += FormatUtcMillis(std::chrono::system_clock::now());
  line += '"';
  AppendField(line, "request_id", entry.request_id);
  AppendField(line, "customer_id", entry.customer_id);
  AppendField(line, "variant", entry.variant);
  AppendField(line, "model", entry.model);
  AppendField(line, "version", entry.version);
  line += fmt::format(",\"score\":{},\"prediction\":{}", entry.score, entry.prediction);
  if (log_features_ && entry.rows != nullptr && entry.row < entry.rows->num_rows()) {
    AppendFeatures(line, *entry.rows, entry.row);
  }
  line += '}';
  logger_->info(line);
}

void PredictionLog::AppendShadow(const ShadowLogEntry& entry) {
  std::string line;
  line.reserve(256);
  line += "{\"ts\":\"";
  line += FormatUtcMillis(std::chrono::system_clock::now());
  line += "\",\"record\":\"shadow\"";
  AppendField(line, "request_id", entry.request_id);
  AppendField(line, "customer_id", entry.customer_id);
  AppendField(line, "variant", entry.variant);
  line += fmt::format(",\"score\":{},\"prediction\":{}", entry.score, entry.prediction);
  AppendField(line, "shadow_model", entry.shadow_model);
  AppendField(line, "shadow_version", entry.shadow_version);
  line += fmt::format(",\"shadow_score\":{},\"shadow_prediction\":{}}}", entry.shadow_score,
                      entry.shadow_prediction);
  logger_->info(line);
}

uint64_t PredictionLog::dropped() const { return pool_ ? pool_->overrun_counter() : 0; }

void PredictionLog::Flush() {
  if (logger_) logger_->flush();
}

Result<PredictionLogContents> ReadPredictionLog(const std::filesystem::path& dir,
                                                size_t max_records) {
  std::error_code ec;
  std::vector<std::pair<int, std::filesystem::path>> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const int index = RotationIndex(entry.path().filename().string());
    if (index >= 0 && entry.is_regular_file()) files.emplace_back(index, entry.path());
  }
  if (ec) return IOError("--log " + dir.string() + ": " + ec.message());
  if (files.empty()) {
    return NotFoundError("--log " + dir.string() + ": no predictions*.jsonl files (start serve " +
                         "with --prediction-log " + dir.string() + ")");
  }
  // The highest index is the oldest file.
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  PredictionLogContents out;
  for (const auto& [index, path] : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return IOError("--log " + path.string() + ": cannot open");
    ++out.files;
    std::string line;
    while (std::getline(in, line)) {
      if (line.size() > kMaxLineBytes) {
        ++out.skipped_lines;
        continue;
      }
      nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (j.is_object() && Str(j, "record") == "shadow") {
        ++out.shadow_records;
        continue;
      }
      const bool valid = j.is_object() && j.contains("score") && j["score"].is_number() &&
                         j.contains("prediction") && j["prediction"].is_number_integer() &&
                         j.contains("variant") && j["variant"].is_string() &&
                         j.contains("customer_id") && j["customer_id"].is_string();
      if (!valid) {
        ++out.skipped_lines;
        continue;
      }
      if (out.records.size() >= max_records) {
        return InvalidArgumentError("--log " + dir.string() + ": more than " +
                                    std::to_string(max_records) + " predictions");
      }
      PredictionLogRecord r;
      r.ts = Str(j, "ts");
      r.request_id = Str(j, "request_id");
      r.customer_id = Str(j, "customer_id");
      r.variant = Str(j, "variant");
      r.model = Str(j, "model");
      r.version = Str(j, "version");
      r.score = j["score"].get<double>();
      r.prediction = j["prediction"].get<int64_t>() == 1 ? 1 : 0;
      out.records.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace churnml::serving
