#include "tracking/run_filter.h"

#include <cctype>
#include <optional>

#include "common/strings.h"
#include "tracking/names.h"
#include "tracking/tracking_types.h"

namespace churnml::tracking {
namespace {

enum class TokenKind { kField, kNumber, kString, kOperator, kLeftParen, kRightParen, kComma, kEnd };

struct Token {
  TokenKind kind;
  std::string text;  // as written (strings: without quotes, unescaped)
  int column;        // 1-based
};

std::string Describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::kEnd:
      return "the end of the expression";
    case TokenKind::kString:
      return "'" + Abbreviate(t.text) + "'";
    default:
      return "\"" + Abbreviate(t.text) + "\"";
  }
}

Status ErrorAt(std::string_view language, int column, const std::string& message) {
  return InvalidArgumentError(std::string(language) + ", column " + std::to_string(column) + ": " +
                              message);
}

bool IsOperatorChar(char c) { return c == '=' || c == '!' || c == '<' || c == '>'; }

Result<std::vector<Token>> Tokenize(std::string_view text, std::string_view language) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    int column = static_cast<int>(i) + 1;
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '(' || c == ')' || c == ',') {
      tokens.push_back({c == '('   ? TokenKind::kLeftParen
                        : c == ')' ? TokenKind::kRightParen
                                   : TokenKind::kComma,
                        std::string(1, c), column});
      ++i;
    } else if (c == '\'' || c == '"') {
      std::string value;
      size_t j = i + 1;
      bool closed = false;
      while (j < text.size()) {
        if (text[j] == c) {
          if (j + 1 < text.size() && text[j + 1] == c) {  // doubled quote
            value.push_back(c);
            j += 2;
            continue;
          }
          closed = true;
          break;
        }
        value.push_back(text[j++]);
      }
      if (!closed) return ErrorAt(language, column, "unterminated string starting here");
      tokens.push_back({TokenKind::kString, value, column});
      i = j + 1;
    } else if (IsOperatorChar(c)) {
      size_t j = i;
      while (j < text.size() && IsOperatorChar(text[j])) ++j;
      std::string op(text.substr(i, j - i));
      if (op != "=" && op != "==" && op != "!=" && op != "<>" && op != "<" && op != "<=" &&
          op != ">" && op != ">=") {
        return ErrorAt(language, column, "unknown operator \"" + Abbreviate(op) + "\"");
      }
      tokens.push_back({TokenKind::kOperator, op, column});
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' ||
               (c == '.' && i + 1 < text.size() &&
                std::isdigit(static_cast<unsigned char>(text[i + 1])))) {
      size_t j = i + 1;
      while (j < text.size() &&
             (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '.' ||
              ((text[j] == '-' || text[j] == '+') && (text[j - 1] == 'e' || text[j - 1] == 'E')))) {
        ++j;
      }
      std::string number(text.substr(i, j - i));
      if (!ParseDouble(number))
        return ErrorAt(language, column, "\"" + Abbreviate(number) + "\" is not a number");
      tokens.push_back({TokenKind::kNumber, number, column});
      i = j;
    } else if (IsKeyChar(c)) {
      size_t j = i;
      while (j < text.size() && IsKeyChar(text[j])) ++j;
      tokens.push_back({TokenKind::kField, std::string(text.substr(i, j - i)), column});
      i = j;
    } else {
      return ErrorAt(language, column, std::string("unexpected character '") + c + "'");
    }
  }
  tokens.push_back({TokenKind::kEnd, "", static_cast<int>(text.size()) + 1});
  return tokens;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool IsKeyword(const Token& t, std::string_view word) {
  return t.kind == TokenKind::kField && Lower(t.text) == word;
}

enum class FieldKind { kMetric, kParam, kTag, kAttributeText, kAttributeTime };

struct Field {
  FieldKind kind;
  std::string key;     // metric/param/tag key
  std::string column;  // attribute: SQL expression
};

Result<Field> ParseField(const Token& t, std::string_view language) {
  if (t.kind != TokenKind::kField) {
    return ErrorAt(language, t.column,
                   "expected a field such as metrics.roc_auc, params.model, tags.team or "
                   "attributes.status, found " +
                       Describe(t));
  }
  size_t dot = t.text.find('.');
  std::string prefix = Lower(t.text.substr(0, dot));
  std::string key = dot == std::string::npos ? "" : t.text.substr(dot + 1);
  if (dot == std::string::npos || key.empty() ||
      (prefix != "metrics" && prefix != "params" && prefix != "tags" && prefix != "attributes")) {
    return ErrorAt(language, t.column,
                   "unknown field \"" + Abbreviate(t.text) +
                       "\": use metrics.KEY, params.KEY, tags.KEY or attributes.NAME");
  }
  if (prefix == "metrics") return Field{FieldKind::kMetric, key, ""};
  if (prefix == "params") return Field{FieldKind::kParam, key, ""};
  if (prefix == "tags") return Field{FieldKind::kTag, key, ""};
  std::string attr = Lower(key);
  if (attr == "status") return Field{FieldKind::kAttributeText, "", "r.status"};
  if (attr == "run_id") return Field{FieldKind::kAttributeText, "", "r.run_id"};
  if (attr == "experiment") return Field{FieldKind::kAttributeText, "", "e.name"};
  if (attr == "start_time") return Field{FieldKind::kAttributeTime, "", "r.start_time_ms"};
  if (attr == "end_time") return Field{FieldKind::kAttributeTime, "", "r.end_time_ms"};
  return ErrorAt(
      language, t.column,
      "unknown attribute \"" + Abbreviate(key) + "\": use status, run_id, experiment, start_time or end_time");
}

void AddReference(const Field& field, const Token& t, SqlFragment& out) {
  if (field.kind == FieldKind::kMetric) out.references.push_back({"metrics", field.key, t.column});
  if (field.kind == FieldKind::kParam) out.references.push_back({"params", field.key, t.column});
  if (field.kind == FieldKind::kTag) out.references.push_back({"tags", field.key, t.column});
}

class FilterParser {
 public:
  // Deeper nesting would overflow the stack (this parser recurses once per
  // parenthesis); more comparisons would exceed SQLite's expression depth
  // (1000) in the SQL this builds. Both are far beyond a hand-written filter.
  static constexpr int kMaxDepth = kMaxRunFilterDepth;
  static constexpr int kMaxComparisons = kMaxRunFilterComparisons;

  explicit FilterParser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<SqlFragment> Parse() {
    SqlFragment out;
    CHURNML_RETURN_IF_ERROR(ParseOr(out));
    if (Peek().kind != TokenKind::kEnd) {
      return Error(Peek(), "expected \"and\", \"or\" or the end, found " + Describe(Peek()));
    }
    return out;
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  Status Error(const Token& t, const std::string& message) const {
    return ErrorAt("filter", t.column, message);
  }

  Status ParseOr(SqlFragment& out) {
    out.sql += "(";
    CHURNML_RETURN_IF_ERROR(ParseAnd(out));
    while (IsKeyword(Peek(), "or")) {
      Next();
      out.sql += " OR ";
      CHURNML_RETURN_IF_ERROR(ParseAnd(out));
    }
    out.sql += ")";
    return Status::Ok();
  }

  Status ParseAnd(SqlFragment& out) {
    out.sql += "(";
    CHURNML_RETURN_IF_ERROR(ParseTerm(out));
    while (IsKeyword(Peek(), "and")) {
      Next();
      out.sql += " AND ";
      CHURNML_RETURN_IF_ERROR(ParseTerm(out));
    }
    out.sql += ")";
    return Status::Ok();
  }

  Status ParseTerm(SqlFragment& out) {
    if (Peek().kind == TokenKind::kLeftParen) {
      if (depth_ == kMaxDepth) {
        return Error(Peek(), "parentheses nested more than " + std::to_string(kMaxDepth) +
                                 " deep");
      }
      Next();
      ++depth_;
      CHURNML_RETURN_IF_ERROR(ParseOr(out));
      --depth_;
      if (Peek().kind != TokenKind::kRightParen) {
        return Error(Peek(), "expected \")\", found " + Describe(Peek()));
      }
      Next();
      return Status::Ok();
    }
    if (++comparisons_ > kMaxComparisons) {
      return Error(Peek(), "more than " + std::to_string(kMaxComparisons) + " comparisons");
    }
    const Token& field_token = Next();
    if (IsKeyword(field_token, "and") || IsKeyword(field_token, "or")) {
      return Error(field_token,
                   "expected a comparison before \"" + Abbreviate(field_token.text) + "\"");
    }
    CHURNML_ASSIGN_OR_RETURN(Field field, ParseField(field_token, "filter"));
    AddReference(field, field_token, out);
    const Token& op = Next();
    if (op.kind != TokenKind::kOperator) {
      return Error(op, "expected a comparison operator (=, !=, <, <=, >, >=) after \"" +
                           Abbreviate(field_token.text) + "\", found " + Describe(op));
    }
    const Token& literal = Next();
    if (literal.kind != TokenKind::kNumber && literal.kind != TokenKind::kString) {
      return Error(literal, "expected a number or a quoted string after \"" + Abbreviate(op.text) +
                                "\", found " + Describe(literal));
    }
    std::string sql_op = op.text == "==" ? "=" : op.text == "<>" ? "!=" : op.text;
    bool equality = sql_op == "=" || sql_op == "!=";
    switch (field.kind) {
      case FieldKind::kMetric:
      case FieldKind::kAttributeTime: {
        if (literal.kind != TokenKind::kNumber) {
          return Error(literal, "\"" + Abbreviate(field_token.text) +
                                    "\" compares with numbers, found " +
                                    Describe(literal));
        }
        double value = *ParseDouble(literal.text);
        if (field.kind == FieldKind::kMetric) {
          out.sql +=
              "EXISTS (SELECT 1 FROM latest_metrics lm WHERE lm.run_id = r.run_id AND lm.key = ? "
              "AND lm.value " +
              sql_op + " ?)";
          out.params.emplace_back(field.key);
        } else {
          out.sql += field.column + " " + sql_op + " ?";
        }
        out.params.emplace_back(value);
        return Status::Ok();
      }
      case FieldKind::kParam:
      case FieldKind::kTag:
      case FieldKind::kAttributeText: {
        if (!equality) {
          return Error(op, "\"" + Abbreviate(field_token.text) +
                               "\" is text: only = and != apply, found \"" +
                               Abbreviate(op.text) + "\"");
        }
        if (field.kind == FieldKind::kAttributeText) {
          out.sql += field.column + " " + sql_op + " ?";
          std::string value = literal.text;
          if (field.column == "r.status") {
            Result<RunStatus> status = ParseRunStatus(value);
            if (!status.ok()) return Error(literal, status.status().message());
            value = std::string(RunStatusName(*status));
          }
          out.params.emplace_back(value);
          return Status::Ok();
        }
        const char* table = field.kind == FieldKind::kParam ? "params" : "tags";
        out.sql += std::string("EXISTS (SELECT 1 FROM ") + table +
                   " kv WHERE kv.run_id = r.run_id AND kv.key = ? AND kv.value " + sql_op + " ?)";
        out.params.emplace_back(field.key);
        out.params.emplace_back(literal.text);
        return Status::Ok();
      }
    }
    return Status::Ok();
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;        // parentheses open around the current term
  int comparisons_ = 0;  // comparisons parsed so far
};

}  // namespace

Result<SqlFragment> TranslateRunFilter(std::string_view filter) {
  if (Trim(filter).empty()) return SqlFragment{};
  CHURNML_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(filter, "filter"));
  return FilterParser(std::move(tokens)).Parse();
}

Result<SqlFragment> TranslateRunOrder(std::string_view order_by) {
  SqlFragment out;
  if (Trim(order_by).empty()) return out;
  CHURNML_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(order_by, "order-by"));
  size_t pos = 0;
  int fields = 0;
  while (true) {
    const Token& field_token = tokens[pos];
    if (++fields > kMaxRunOrderFields) {
      return ErrorAt("order-by", field_token.column,
                     "more than " + std::to_string(kMaxRunOrderFields) + " fields");
    }
    CHURNML_ASSIGN_OR_RETURN(Field field, ParseField(field_token, "order-by"));
    AddReference(field, field_token, out);
    ++pos;
    std::string direction = "ASC";
    if (IsKeyword(tokens[pos], "asc") || IsKeyword(tokens[pos], "desc")) {
      direction = IsKeyword(tokens[pos], "desc") ? "DESC" : "ASC";
      ++pos;
    }
    if (!out.sql.empty()) out.sql += ", ";
    switch (field.kind) {
      case FieldKind::kMetric:
        out.sql +=
            "(SELECT lm.value FROM latest_metrics lm WHERE lm.run_id = r.run_id AND "
            "lm.key = ?)";
        out.params.emplace_back(field.key);
        break;
      case FieldKind::kParam:
      case FieldKind::kTag:
        out.sql += std::string("(SELECT kv.value FROM ") +
                   (field.kind == FieldKind::kParam ? "params" : "tags") +
                   " kv WHERE kv.run_id = r.run_id AND kv.key = ?)";
        out.params.emplace_back(field.key);
        break;
      default:
        out.sql += field.column;
    }
    // Runs without the value go last either way, the same on both databases.
    out.sql += " " + direction + " NULLS LAST";
    const Token& after = tokens[pos];
    if (after.kind == TokenKind::kEnd) break;
    if (after.kind != TokenKind::kComma) {
      return ErrorAt("order-by", after.column,
                     "expected \"asc\", \"desc\", \",\" or the end, found " + Describe(after));
    }
    ++pos;
  }
  return out;
}

}  // namespace churnml::tracking
