#include "eval/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace churnml {
namespace {

constexpr double kWidth = 420;
constexpr double kHeight = 300;
constexpr double kLeft = 52;
constexpr double kRight = 12;
constexpr double kTop = 28;
constexpr double kBottom = 42;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

std::string Tick(double v) {
  char buf[32];
  if (std::abs(v) >= 1000) {
    std::snprintf(buf, sizeof(buf), "%.3g", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.2g", v);
  }
  return buf;
}

std::string Open(std::string_view id, std::string_view title, double width, double height) {
  std::string s = "<svg class=\"chart\" data-chart=\"" + EscapeXml(id) +
                  "\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + Num(width) + " " +
                  Num(height) + "\" width=\"" + Num(width) + "\" height=\"" + Num(height) +
                  "\" role=\"img\"><title>" + EscapeXml(title) + "</title>";
  s += "<text x=\"" + Num(width / 2) + "\" y=\"16\" text-anchor=\"middle\" class=\"t\">" +
       EscapeXml(title) + "</text>";
  return s;
}

std::string Legend(const std::vector<std::string>& names, const std::vector<std::string>& colors,
                   double x, double y) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) {
    const double yy = y + 14.0 * static_cast<double>(i);
    s += "<rect x=\"" + Num(x) + "\" y=\"" + Num(yy - 8) + "\" width=\"10\" height=\"10\" fill=\"" +
         EscapeXml(colors[i % colors.size()]) + "\"/><text x=\"" + Num(x + 14) + "\" y=\"" +
         Num(yy + 1) + "\" class=\"l\">" + EscapeXml(names[i]) + "</text>";
  }
  return s;
}

}  // namespace

std::string EscapeXml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string RenderLineChart(const LineChart& c) {
  const double pw = kWidth - kLeft - kRight;
  const double ph = kHeight - kTop - kBottom;
  const double xr = c.x_max > c.x_min ? c.x_max - c.x_min : 1;
  const double yr = c.y_max > c.y_min ? c.y_max - c.y_min : 1;
  auto px = [&](double x) { return kLeft + (std::clamp(x, c.x_min, c.x_max) - c.x_min) / xr * pw; };
  auto py = [&](double y) {
    return kTop + ph - (std::clamp(y, c.y_min, c.y_max) - c.y_min) / yr * ph;
  };
  std::string s = Open(c.id, c.title, kWidth, kHeight);
  s += "<rect x=\"" + Num(kLeft) + "\" y=\"" + Num(kTop) + "\" width=\"" + Num(pw) +
       "\" height=\"" + Num(ph) + "\" class=\"frame\"/>";
  for (int i = 0; i <= 4; ++i) {
    const double fx = c.x_min + xr * i / 4.0;
    const double fy = c.y_min + yr * i / 4.0;
    s += "<text x=\"" + Num(px(fx)) + "\" y=\"" + Num(kTop + ph + 14) +
         "\" text-anchor=\"middle\" class=\"a\">" + Tick(fx) + "</text>";
    s += "<text x=\"" + Num(kLeft - 4) + "\" y=\"" + Num(py(fy) + 3) +
         "\" text-anchor=\"end\" class=\"a\">" + Tick(fy) + "</text>";
  }
  s += "<text x=\"" + Num(kLeft + pw / 2) + "\" y=\"" + Num(kHeight - 6) +
       "\" text-anchor=\"middle\" class=\"a\">" + EscapeXml(c.x_label) + "</text>";
  s += "<text transform=\"translate(12 " + Num(kTop + ph / 2) +
       ") rotate(-90)\" text-anchor=\"middle\" class=\"a\">" + EscapeXml(c.y_label) + "</text>";
  if (c.diagonal) {
    s += "<line x1=\"" + Num(px(c.x_min)) + "\" y1=\"" + Num(py(c.y_min)) + "\" x2=\"" +
         Num(px(c.x_max)) + "\" y2=\"" + Num(py(c.y_max)) + "\" class=\"diag\"/>";
  }
  std::vector<std::string> names, colors;
  for (const ChartSeries& series : c.series) {
    names.push_back(series.name);
    colors.push_back(series.color);
    if (series.points.empty()) continue;
    std::string d;
    for (size_t i = 0; i < series.points.size(); ++i) {
      d += (i == 0 ? "M" : "L") + Num(px(series.points[i].x)) + " " + Num(py(series.points[i].y));
    }
    s += "<path d=\"" + d + "\" fill=\"none\" stroke=\"" + EscapeXml(series.color) +
         "\" stroke-width=\"2\"/>";
    if (series.markers) {
      for (const CurvePoint& p : series.points) {
        s += "<circle cx=\"" + Num(px(p.x)) + "\" cy=\"" + Num(py(p.y)) + "\" r=\"3\" fill=\"" +
             EscapeXml(series.color) + "\"/>";
      }
    }
  }
  if (names.size() > 1 || (!names.empty() && !names[0].empty())) {
    s += Legend(names, colors, kLeft + pw - 120, kTop + ph - 14.0 * names.size());
  }
  return s + "</svg>";
}

std::string RenderBarChart(const BarChart& c) {
  const size_t groups = c.groups.size();
  const size_t per = std::max<size_t>(c.series_names.size(), 1);
  double max_value = 0;
  for (const BarGroup& g : c.groups) {
    for (double v : g.values) max_value = std::max(max_value, std::isfinite(v) ? v : 0.0);
  }
  if (max_value <= 0) max_value = 1;
  if (c.horizontal) {
    const double left = 150;
    const double row = 16;
    const double height = kTop + row * static_cast<double>(groups) + kBottom;
    const double pw = kWidth - left - kRight - 40;
    std::string s = Open(c.id, c.title, kWidth, height);
    for (size_t i = 0; i < groups; ++i) {
      const double y = kTop + row * static_cast<double>(i);
      const double v = c.groups[i].values.empty() ? 0 : c.groups[i].values[0];
      const double w = std::max(0.0, v) / max_value * pw;
      s += "<text x=\"" + Num(left - 4) + "\" y=\"" + Num(y + 11) +
           "\" text-anchor=\"end\" class=\"a\">" + EscapeXml(c.groups[i].label) + "</text>";
      s += "<rect x=\"" + Num(left) + "\" y=\"" + Num(y + 2) + "\" width=\"" +
           Num(std::max(w, 0.5)) + "\" height=\"" + Num(row - 4) + "\" fill=\"" +
           EscapeXml(c.colors.empty() ? "#4472c4" : c.colors[0]) + "\"/>";
      s += "<text x=\"" + Num(left + w + 3) + "\" y=\"" + Num(y + 11) + "\" class=\"a\">" +
           Tick(v) + "</text>";
    }
    s += "<text x=\"" + Num(left + pw / 2) + "\" y=\"" + Num(height - 8) +
         "\" text-anchor=\"middle\" class=\"a\">" + EscapeXml(c.value_label) + "</text>";
    return s + "</svg>";
  }
  const double pw = kWidth - kLeft - kRight;
  const double ph = kHeight - kTop - kBottom - 20;
  std::string s = Open(c.id, c.title, kWidth, kHeight);
  s += "<rect x=\"" + Num(kLeft) + "\" y=\"" + Num(kTop) + "\" width=\"" + Num(pw) +
       "\" height=\"" + Num(ph) + "\" class=\"frame\"/>";
  for (int i = 0; i <= 4; ++i) {
    const double v = max_value * i / 4.0;
    s += "<text x=\"" + Num(kLeft - 4) + "\" y=\"" + Num(kTop + ph - ph * i / 4.0 + 3) +
         "\" text-anchor=\"end\" class=\"a\">" + Tick(v) + "</text>";
  }
  const double slot = groups == 0 ? pw : pw / static_cast<double>(groups);
  const double bar = slot * 0.8 / static_cast<double>(per);
  const size_t label_every = std::max<size_t>(1, groups / 12);
  for (size_t i = 0; i < groups; ++i) {
    const double x0 = kLeft + slot * static_cast<double>(i) + slot * 0.1;
    for (size_t k = 0; k < c.groups[i].values.size() && k < per; ++k) {
      const double v =
          std::isfinite(c.groups[i].values[k]) ? std::max(0.0, c.groups[i].values[k]) : 0;
      const double h = v / max_value * ph;
      s += "<rect x=\"" + Num(x0 + bar * static_cast<double>(k)) + "\" y=\"" + Num(kTop + ph - h) +
           "\" width=\"" + Num(std::max(bar - 0.5, 0.5)) + "\" height=\"" + Num(h) + "\" fill=\"" +
           EscapeXml(c.colors.empty() ? "#4472c4" : c.colors[k % c.colors.size()]) + "\"/>";
    }
    if (i % label_every == 0) {
      s += "<text x=\"" + Num(x0 + slot * 0.4) + "\" y=\"" + Num(kTop + ph + 12) +
           "\" text-anchor=\"end\" transform=\"rotate(-30 " + Num(x0 + slot * 0.4) + " " +
           Num(kTop + ph + 12) + ")\" class=\"a\">" + EscapeXml(c.groups[i].label.substr(0, 16)) +
           "</text>";
    }
  }
  s += "<text transform=\"translate(12 " + Num(kTop + ph / 2) +
       ") rotate(-90)\" text-anchor=\"middle\" class=\"a\">" + EscapeXml(c.value_label) + "</text>";
  if (c.series_names.size() > 1) s += Legend(c.series_names, c.colors, kLeft + pw - 110, kTop + 12);
  return s + "</svg>";
}

std::string RenderConfusionChart(std::string_view id, std::string_view negative_label,
                                 std::string_view positive_label, long long tn, long long fp,
                                 long long fn, long long tp) {
  const double total = std::max(1.0, static_cast<double>(tn + fp + fn + tp));
  const double cell = 100;
  const double left = 120, top = 50;
  std::string s =
      Open(id, "Confusion matrix at the threshold", left + 2 * cell + 20, top + 2 * cell + 30);
  const long long counts[2][2] = {{tn, fp}, {fn, tp}};
  const std::string_view names[2] = {negative_label, positive_label};
  for (int r = 0; r < 2; ++r) {
    s += "<text x=\"" + Num(left - 6) + "\" y=\"" + Num(top + cell * r + cell / 2) +
         "\" text-anchor=\"end\" class=\"a\">actual " + EscapeXml(names[r]) + "</text>";
    s += "<text x=\"" + Num(left + cell * r + cell / 2) + "\" y=\"" + Num(top - 6) +
         "\" text-anchor=\"middle\" class=\"a\">predicted " + EscapeXml(names[r]) + "</text>";
    for (int k = 0; k < 2; ++k) {
      const double share = static_cast<double>(counts[r][k]) / total;
      char fill[32];
      std::snprintf(fill, sizeof(fill), "rgba(68,114,196,%.3f)", 0.1 + 0.9 * share);
      s += "<rect x=\"" + Num(left + cell * k) + "\" y=\"" + Num(top + cell * r) + "\" width=\"" +
           Num(cell) + "\" height=\"" + Num(cell) + "\" fill=\"" + fill + "\" stroke=\"#fff\"/>";
      s += "<text x=\"" + Num(left + cell * k + cell / 2) + "\" y=\"" +
           Num(top + cell * r + cell / 2) + "\" text-anchor=\"middle\" class=\"v\">" +
           std::to_string(counts[r][k]) + "</text>";
    }
  }
  return s + "</svg>";
}

}  // namespace churnml
