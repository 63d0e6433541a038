#include "scaling/prometheus_text.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <optional>

#include "common/strings.h"

namespace churnml::scaling {
namespace {

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

std::optional<double> ParseValue(std::string_view text) {
  if (text == "+Inf" || text == "Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text.empty() || text[0] == '+') return std::nullopt;
  const std::optional<double> v = ParseDouble(text);
  if (v && !std::isfinite(*v)) return std::nullopt;  // "inf"/"nan" spellings are not the format's
  return v;
}

// Parses one sample line into `out`; the reason on failure.
std::string ParseLine(std::string_view line, size_t max_labels, PromSample* out) {
  size_t i = 0;
  if (!IsNameStart(line[0])) return "a metric name must start with a letter, '_' or ':'";
  while (i < line.size() && IsNameChar(line[i])) ++i;
  out->name.assign(line.substr(0, i));
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (true) {
      while (i < line.size() && line[i] == ' ') ++i;
      if (i < line.size() && line[i] == '}') {
        ++i;
        break;
      }
      if (out->labels.size() >= max_labels) {
        return fmt::format("more than {} labels", max_labels);
      }
      const size_t key_start = i;
      if (i >= line.size() || !IsNameStart(line[i]) || line[i] == ':') {
        return "a label name expected";
      }
      while (i < line.size() && IsNameChar(line[i]) && line[i] != ':') ++i;
      std::string key(line.substr(key_start, i - key_start));
      const std::string shown = key.substr(0, 64);  // messages stay short
      if (i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') {
        return "label \"" + shown + "\": =\"value\" expected";
      }
      i += 2;
      std::string value;
      bool closed = false;
      while (i < line.size()) {
        const char c = line[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c != '\\') {
          value += c;
          continue;
        }
        if (i >= line.size()) break;
        const char e = line[i++];
        if (e == 'n') {
          value += '\n';
        } else if (e == '\\' || e == '"') {
          value += e;
        } else {
          return "label \"" + shown + "\": unknown escape \\" + std::string(1, e);
        }
      }
      if (!closed) return "label \"" + shown + "\": unterminated value";
      out->labels.emplace_back(std::move(key), std::move(value));
      while (i < line.size() && line[i] == ' ') ++i;
      if (i < line.size() && line[i] == ',') {
        ++i;
        continue;
      }
      if (i < line.size() && line[i] == '}') {
        ++i;
        break;
      }
      return "',' or '}' expected after a label";
    }
  }
  if (i >= line.size() || (line[i] != ' ' && line[i] != '\t')) {
    return "a space and a value expected after the name";
  }
  std::string_view rest = Trim(line.substr(i));
  const size_t space = rest.find_first_of(" \t");
  const std::string_view value_text = rest.substr(0, space);
  const std::optional<double> value = ParseValue(value_text);
  if (!value) return "\"" + std::string(value_text.substr(0, 40)) + "\" is not a number";
  if (space != std::string_view::npos) {
    const std::string_view stamp = Trim(rest.substr(space));
    if (!ParseInt(stamp)) return "the timestamp is not an integer";
  }
  out->value = *value;
  return "";
}

}  // namespace

std::string_view PromSample::Label(std::string_view key) const {
  for (const auto& [k, v] : labels) {
    if (k == key) return v;
  }
  return {};
}

Result<std::vector<PromSample>> ParsePrometheusText(std::string_view text,
                                                    const PrometheusTextLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return InvalidArgumentError(fmt::format("metrics text of {} bytes is over the {} byte limit",
                                            text.size(), limits.max_bytes));
  }
  std::vector<PromSample> samples;
  size_t line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    ++line_number;
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.size() > limits.max_line_bytes) {
      return InvalidArgumentError(fmt::format("metrics line {}: {} bytes, over the {} byte limit",
                                              line_number, line.size(), limits.max_line_bytes));
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (samples.size() >= limits.max_samples) {
      return InvalidArgumentError(
          fmt::format("metrics line {}: more than {} samples", line_number, limits.max_samples));
    }
    PromSample sample;
    const std::string why = ParseLine(line, limits.max_labels, &sample);
    if (!why.empty()) {
      return InvalidArgumentError(fmt::format("metrics line {}: {}", line_number, why));
    }
    samples.push_back(std::move(sample));
  }
  return samples;
}

}  // namespace churnml::scaling
