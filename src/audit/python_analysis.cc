// The Python tree walk: imports and aliases, one scope per function (and
// class body, and the module), the abstract value of each expression, and the
// sink checks. One file because the value lattice, the walk and the sink
// table are one algorithm; the sink table is the data at the bottom
// (CheckCall and friends), the rest is the walk.
#include "audit/python_analysis.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "common/strings.h"

namespace churnml::audit {

bool TreeRuleSet::empty() const {
  return std::all_of(rules.begin(), rules.end(), [](const Rule* r) { return r == nullptr; });
}

TreeRuleSet MakeTreeRuleSet(const std::vector<const Rule*>& selected) {
  TreeRuleSet set;
  for (const Rule* r : selected) {
    if (r->tree_check != TreeCheck::kNone) set.rules[static_cast<size_t>(r->tree_check)] = r;
  }
  return set;
}

namespace {

// Where a value may come from, in increasing order of concern. Joining two
// values keeps the higher origin.
enum class Origin : uint8_t {
  kLiteral,  // constants only (or names bound only to constants)
  kUnknown,  // parameters, calls, anything not provably constant
  kLocal,    // sys.argv, input(), os.environ: the operator's own input
  kRequest,  // an HTTP request: Flask/Django request.*, route parameters
};

struct Value {
  Origin origin = Origin::kLiteral;
  bool formatted = false;      // text built by an f-string, %, + or .format with a non-literal
  int32_t source = -1;         // the source expression (origin kLocal/kRequest)
  std::vector<int32_t> steps;  // assignments the tainted value went through
  int32_t sql_site = -1;       // formatted SQL text this value holds
  int32_t random_site = -1;    // a random.* call this value derives from
  bool own_pickle = false;     // bytes this function pickled itself (pickle.dumps(...))
};

constexpr size_t kMaxSteps = 6;

Value Literal() { return Value{}; }
Value Unknown() {
  Value v;
  v.origin = Origin::kUnknown;
  return v;
}

void JoinInto(Value& a, const Value& b) {
  if (b.origin > a.origin) {
    a.origin = b.origin;
    a.source = b.source;
    a.steps = b.steps;
  }
  a.formatted = a.formatted || b.formatted;
  if (a.sql_site < 0) a.sql_site = b.sql_site;
  if (a.random_site < 0) a.random_site = b.random_site;
  a.own_pickle = a.own_pickle && b.own_pickle;
}

bool IsTainted(const Value& v) { return v.origin >= Origin::kLocal; }

bool In(std::string_view s, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

// `q` is `name` or ends with "." + name.
bool EndsWithName(std::string_view q, std::string_view name) {
  if (q == name) return true;
  return q.size() > name.size() && q.substr(q.size() - name.size()) == name &&
         q[q.size() - name.size() - 1] == '.';
}

std::string_view LastName(std::string_view q) {
  size_t dot = q.rfind('.');
  return dot == std::string_view::npos ? q : q.substr(dot + 1);
}

// The text without any whitespace: a call re-wrapped over several lines keeps
// its fingerprint.
std::string Compact(std::string_view text, size_t max_bytes) {
  std::string out;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    out += c;
    if (out.size() >= max_bytes) break;
  }
  return out;
}

// Identifier parts ("reset_token", "resetToken" → reset, token).
std::vector<std::string> NameParts(std::string_view name) {
  std::vector<std::string> parts;
  std::string cur;
  char prev = 0;
  for (char c : name) {
    bool upper = std::isupper(static_cast<unsigned char>(c));
    if (c == '_' || c == '.' || c == '[' || c == ']' || c == '"' || c == '\'' ||
        (upper && std::islower(static_cast<unsigned char>(prev)))) {
      if (!cur.empty()) parts.push_back(cur);
      cur.clear();
    }
    if (std::isalnum(static_cast<unsigned char>(c))) {
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    prev = c;
  }
  if (!cur.empty()) parts.push_back(cur);
  return parts;
}

// A name that holds a secret: token, password, secret, nonce, salt, otp,
// csrf, api key, session id/key.
bool SecretName(std::string_view name) {
  std::vector<std::string> p = NameParts(name);
  for (size_t i = 0; i < p.size(); ++i) {
    if (In(p[i], {"token", "tokens", "password", "passwd", "pwd", "secret", "nonce", "salt", "otp",
                  "csrf", "apikey", "sessionid"})) {
      return true;
    }
    if (i + 1 < p.size() && ((p[i] == "api" && p[i + 1] == "key") ||
                             (p[i] == "session" && (p[i + 1] == "id" || p[i + 1] == "key")))) {
      return true;
    }
  }
  return false;
}

bool SqlText(std::string_view literal) {
  size_t i = 0;
  while (i < literal.size() && std::isspace(static_cast<unsigned char>(literal[i]))) ++i;
  std::string head;
  for (; i < literal.size() && head.size() < 12; ++i) {
    head += static_cast<char>(std::tolower(static_cast<unsigned char>(literal[i])));
  }
  auto starts = [&](std::string_view w) { return head.rfind(w, 0) == 0; };
  return starts("select ") || starts("insert into") || starts("update ") || starts("delete from");
}

Severity Raise(Severity s) {
  return s == Severity::kCritical ? s : static_cast<Severity>(static_cast<int>(s) + 1);
}

// How a sink's finding depends on the value reaching it.
enum class Policy {
  kLowWhenLiteral,     // constant: low/low; else the rule's level, raised by a request source
  kSilentWhenLiteral,  // constant: nothing
  kNeedsFormatting,    // constant or a plain variable: nothing (parameterized SQL)
  kRequestOnly,        // only data from a request counts
  kFixed,              // always the rule's level; a request source raises it
};

struct Call {
  int32_t node = -1;
  int32_t function = -1;
  std::string q;  // qualified name of the callee ("subprocess.run", "?.execute")
  std::vector<int32_t> positional;
  std::vector<std::pair<std::string_view, int32_t>> keywords;  // name → value node
  int32_t Keyword(std::string_view name) const {
    for (const auto& [k, v] : keywords) {
      if (k == name) return v;
    }
    return -1;
  }
  int32_t Arg(size_t i, std::string_view keyword) const {
    if (i < positional.size()) return positional[i];
    return keyword.empty() ? -1 : Keyword(keyword);
  }
};

class Analyzer {
 public:
  Analyzer(const SyntaxTree& tree, const TreeRuleSet& rules, std::vector<TreeMatch>& out)
      : t_(tree), rules_(rules), out_(out) {}

  void Run() {
    if (t_.nodes().empty()) return;
    CollectImports();
    Scope module{"<module>", {}, nullptr};
    scope_ = &module;
    VisitChildren(0, 0);
    EmitSqlBuilding();
    std::stable_sort(out_.begin(), out_.end(),
                     [](const TreeMatch& a, const TreeMatch& b) { return a.begin < b.begin; });
  }

 private:
  struct Scope {
    std::string name;
    std::unordered_map<std::string, Value> vars;
    const Scope* outer;
  };

  const SyntaxNode& N(int32_t i) const { return t_.node(i); }
  PyKind K(int32_t i) const { return i < 0 ? PyKind::kOther : N(i).kind; }
  std::string_view Text(int32_t i) const { return t_.Text(i); }

  // ---- imports -----------------------------------------------------------

  void CollectImports() {
    const auto& nodes = t_.nodes();
    for (int32_t i = 0; i < static_cast<int32_t>(nodes.size()); ++i) {
      PyKind k = nodes[static_cast<size_t>(i)].kind;
      if (k == PyKind::kImportStatement) {
        for (int32_t c = N(i).first_child; c >= 0; c = N(c).next_sibling) {
          if (K(c) == PyKind::kDottedName) {
            std::string full(Text(c));
            aliases_[full.substr(0, full.find('.'))] = full.substr(0, full.find('.'));
          } else if (K(c) == PyKind::kAliasedImport) {
            int32_t name = t_.Child(c, PyField::kName), alias = t_.Child(c, PyField::kAlias);
            if (name >= 0 && alias >= 0) aliases_[std::string(Text(alias))] = Text(name);
          }
        }
      } else if (k == PyKind::kImportFromStatement) {
        int32_t mod = t_.Child(i, PyField::kModuleName);
        if (mod < 0) continue;
        std::string module(Text(mod));
        for (int32_t c = N(i).first_child; c >= 0; c = N(c).next_sibling) {
          if (N(c).field != PyField::kName) continue;
          if (K(c) == PyKind::kDottedName) {
            aliases_[std::string(Text(c))] = module + "." + std::string(Text(c));
          } else if (K(c) == PyKind::kAliasedImport) {
            int32_t name = t_.Child(c, PyField::kName), alias = t_.Child(c, PyField::kAlias);
            if (name >= 0 && alias >= 0) {
              aliases_[std::string(Text(alias))] = module + "." + std::string(Text(name));
            }
          }
        }
      } else if (k == PyKind::kFunctionDefinition || k == PyKind::kClassDefinition) {
        int32_t name = t_.Child(i, PyField::kName);
        if (name >= 0) defined_.insert(std::string(Text(name)));
      }
    }
  }

  // "subprocess.run" for `sp.run` after `import subprocess as sp`; "?" marks
  // a receiver that is not a name chain ("?.execute").
  std::string Qualify(int32_t n, int depth = 0) const {
    if (n < 0 || depth > 64) return "?";
    switch (K(n)) {
      case PyKind::kIdentifier: {
        std::string name(Text(n));
        if (auto it = aliases_.find(name); it != aliases_.end() && !IsVariable(name)) {
          return it->second;
        }
        return name;
      }
      case PyKind::kAttribute: {
        int32_t obj = t_.Child(n, PyField::kObject), attr = t_.Child(n, PyField::kAttribute);
        if (attr < 0) return "?";
        return Qualify(obj, depth + 1) + "." + std::string(Text(attr));
      }
      case PyKind::kParenthesizedExpression:
        return Qualify(N(n).first_child, depth + 1);
      default:
        return "?";
    }
  }

  bool IsVariable(const std::string& name) const {
    for (const Scope* s = scope_; s != nullptr; s = s->outer) {
      if (s->vars.count(name)) return true;
    }
    return false;
  }

  // A builtin called by its plain name, not rebound in this file.
  bool IsBuiltin(const Call& c, std::string_view name) const {
    return c.q == name && K(c.function) == PyKind::kIdentifier && !aliases_.count(c.q) &&
           !defined_.count(c.q) && !IsVariable(c.q);
  }

  // ---- values --------------------------------------------------------------

  Value Lookup(const std::string& name) const {
    for (const Scope* s = scope_; s != nullptr; s = s->outer) {
      if (auto it = s->vars.find(name); it != s->vars.end()) return it->second;
    }
    return Unknown();
  }

  Value Source(Origin origin, int32_t node) const {
    Value v;
    v.origin = origin;
    v.source = node;
    return v;
  }

  // request.args, request.form, self.request.GET, flask.request.json, ...
  bool IsRequestData(int32_t attribute) const {
    int32_t obj = t_.Child(attribute, PyField::kObject);
    int32_t attr = t_.Child(attribute, PyField::kAttribute);
    if (obj < 0 || attr < 0) return false;
    std::string q = Qualify(obj);
    if (LastName(q) != "request") return false;
    return In(Text(attr),
              {"args",      "form",         "values",      "files",      "json",    "data",
               "cookies",   "headers",      "get_json",    "get_data",   "stream",  "query_string",
               "view_args", "GET",          "POST",        "FILES",      "COOKIES", "META",
               "body",      "query_params", "path_params", "match_info", "content", "text"});
  }

  Value Eval(int32_t n, int depth = 0) {
    if (n < 0 || depth > kMaxAnalysisDepth) return Unknown();
    switch (K(n)) {
      case PyKind::kString:
        return EvalString(n, depth);
      case PyKind::kInteger:
      case PyKind::kFloat:
      case PyKind::kTrue:
      case PyKind::kFalse:
      case PyKind::kNone:
        return Literal();
      case PyKind::kIdentifier: {
        std::string name(Text(n));
        if (IsVariable(name)) return Lookup(name);
        std::string q = Qualify(n);
        if (q == "sys.argv" || q == "os.environ") return Source(Origin::kLocal, n);
        return Unknown();
      }
      case PyKind::kAttribute: {
        std::string text(Text(n));
        if (IsVariable(text)) return Lookup(text);  // self.x bound earlier
        if (IsRequestData(n)) return Source(Origin::kRequest, n);
        std::string q = Qualify(n);
        if (q == "sys.argv" || q == "os.environ") return Source(Origin::kLocal, n);
        Value v = Eval(t_.Child(n, PyField::kObject), depth + 1);
        if (v.origin == Origin::kLiteral) v.origin = Origin::kUnknown;  // "x".upper is a method
        return v;
      }
      case PyKind::kSubscript:
        return Eval(t_.Child(n, PyField::kValue), depth + 1);
      case PyKind::kCall:
        return EvalCall(n, depth);
      case PyKind::kBinaryOperator:
        return EvalBinary(n, depth);
      case PyKind::kComparisonOperator:
      case PyKind::kNotOperator:
      case PyKind::kLambda:
        return Unknown();
      case PyKind::kKeywordArgument:
        return Eval(t_.Child(n, PyField::kValue), depth + 1);
      case PyKind::kComment:
        return Literal();
      default: {
        if (N(n).first_child < 0) return K(n) == PyKind::kOther ? Unknown() : Literal();
        Value v;
        for (int32_t c = N(n).first_child; c >= 0; c = N(c).next_sibling) {
          if (K(c) == PyKind::kComment || K(c) == PyKind::kOperator) continue;
          JoinInto(v, Eval(c, depth + 1));
        }
        return v;
      }
    }
  }

  Value EvalString(int32_t n, int depth) {
    Value v;
    std::string literal;
    for (int32_t c = N(n).first_child; c >= 0; c = N(c).next_sibling) {
      if (K(c) == PyKind::kInterpolation) {
        JoinInto(v, Eval(t_.Child(c, PyField::kExpression), depth + 1));
        v.formatted = v.formatted || v.origin != Origin::kLiteral;
      } else if (K(c) == PyKind::kStringContent && literal.empty()) {
        literal = Text(c);
      }
    }
    if (v.origin != Origin::kLiteral) v.formatted = true;
    if (v.formatted && SqlText(literal)) NoteSql(n, v);
    return v;
  }

  // The text of the leftmost string literal of a + / % chain.
  std::string_view LeadingLiteral(int32_t n, int depth = 0) const {
    if (n < 0 || depth > kMaxAnalysisDepth) return {};
    if (K(n) == PyKind::kString) {
      int32_t c = t_.ChildOfKind(n, PyKind::kStringContent);
      return c < 0 ? std::string_view() : Text(c);
    }
    if (K(n) == PyKind::kConcatenatedString) return LeadingLiteral(N(n).first_child, depth + 1);
    if (K(n) == PyKind::kBinaryOperator) {
      return LeadingLiteral(t_.Child(n, PyField::kLeft), depth + 1);
    }
    if (K(n) == PyKind::kParenthesizedExpression)
      return LeadingLiteral(N(n).first_child, depth + 1);
    return {};
  }

  Value EvalBinary(int32_t n, int depth) {
    int32_t op = t_.Child(n, PyField::kOperator);
    Value v = Eval(t_.Child(n, PyField::kLeft), depth + 1);
    JoinInto(v, Eval(t_.Child(n, PyField::kRight), depth + 1));
    char o = op >= 0 ? N(op).op : 0;
    if ((o == '+' || o == '%') && v.origin != Origin::kLiteral) {
      v.formatted = true;
      if (SqlText(LeadingLiteral(n))) NoteSql(n, v);
    }
    return v;
  }

  void NoteSql(int32_t n, Value& v) {
    v.sql_site = n;
    sql_sites_.insert(n);
  }

  Call ReadCall(int32_t n) const {
    Call c;
    c.node = n;
    c.function = t_.Child(n, PyField::kFunction);
    c.q = Qualify(c.function);
    int32_t args = t_.Child(n, PyField::kArguments);
    if (args < 0) return c;
    if (K(args) != PyKind::kArgumentList) {  // f(x for x in y)
      c.positional.push_back(args);
      return c;
    }
    for (int32_t a = N(args).first_child; a >= 0; a = N(a).next_sibling) {
      if (K(a) == PyKind::kComment) continue;
      if (K(a) == PyKind::kKeywordArgument) {
        int32_t name = t_.Child(a, PyField::kName), value = t_.Child(a, PyField::kValue);
        if (name >= 0 && value >= 0) c.keywords.emplace_back(Text(name), value);
      } else {
        c.positional.push_back(a);
      }
    }
    return c;
  }

  static bool IsRandomCall(std::string_view q) {
    return q.rfind("random.", 0) == 0 &&
           In(q.substr(7), {"random", "randint", "choice", "choices", "randrange", "getrandbits",
                            "sample", "uniform", "randbytes"});
  }

  static bool IsPickleModule(std::string_view q) {
    std::string_view module = q.substr(0, q.size() - LastName(q).size());
    return In(module, {"pickle.", "cPickle.", "_pickle.", "dill.", "cloudpickle.", "marshal."});
  }

  static bool IsSanitizer(std::string_view q) {
    return In(q, {"int",
                  "float",
                  "bool",
                  "len",
                  "abs",
                  "round",
                  "hash",
                  "id",
                  "ord",
                  "isinstance",
                  "shlex.quote",
                  "pipes.quote",
                  "html.escape",
                  "markupsafe.escape",
                  "flask.escape",
                  "cgi.escape",
                  "escape",
                  "bleach.clean",
                  "re.escape",
                  "werkzeug.utils.secure_filename",
                  "secure_filename",
                  "werkzeug.utils.safe_join",
                  "werkzeug.security.safe_join",
                  "flask.safe_join",
                  "safe_join",
                  "os.path.basename",
                  "os.path.exists",
                  "os.path.isfile",
                  "os.path.isdir",
                  "urllib.parse.quote",
                  "urllib.parse.quote_plus",
                  "uuid.UUID"});
  }

  Value EvalCall(int32_t n, int depth) {
    Call c = ReadCall(n);
    if (IsBuiltin(c, "input") || c.q == "os.getenv" || c.q == "os.environ.get") {
      return Source(Origin::kLocal, n);
    }
    if (IsSanitizer(c.q)) return Unknown();
    bool method = K(c.function) == PyKind::kAttribute;
    if (method && IsRequestData(c.function)) return Source(Origin::kRequest, c.function);
    Value v;
    int32_t receiver = method ? t_.Child(c.function, PyField::kObject) : -1;
    bool literal_receiver = receiver >= 0 && (K(receiver) == PyKind::kString ||
                                              K(receiver) == PyKind::kConcatenatedString);
    if (method) {
      v = Eval(receiver, depth + 1);
      if (!literal_receiver && v.origin == Origin::kLiteral) v.origin = Origin::kUnknown;
    } else {
      v = Unknown();
    }
    bool formatted = v.formatted;
    for (int32_t a : c.positional) JoinInto(v, Eval(a, depth + 1));
    for (const auto& kw : c.keywords) JoinInto(v, Eval(kw.second, depth + 1));
    v.formatted = formatted;
    if (method && LastName(c.q) == "format" && literal_receiver && v.origin != Origin::kLiteral) {
      v.formatted = true;
      if (SqlText(LeadingLiteral(receiver))) NoteSql(n, v);
    }
    if (IsRandomCall(c.q)) v.random_site = n;
    if (IsPickleModule(c.q) && LastName(c.q) == "dumps") v.own_pickle = true;
    return v;
  }

  // ---- the walk ------------------------------------------------------------

  void VisitChildren(int32_t n, int depth) {
    for (int32_t c = N(n).first_child; c >= 0; c = N(c).next_sibling) Visit(c, depth + 1);
  }

  void Visit(int32_t n, int depth) {
    if (depth > kMaxAnalysisDepth) return;
    switch (K(n)) {
      case PyKind::kFunctionDefinition:
        AnalyzeFunction(n, -1);
        return;
      case PyKind::kDecoratedDefinition: {
        int32_t def = t_.Child(n, PyField::kDefinition);
        for (int32_t c = N(n).first_child; c >= 0; c = N(c).next_sibling) {
          if (K(c) == PyKind::kDecorator) Visit(c, depth + 1);
        }
        if (K(def) == PyKind::kFunctionDefinition) AnalyzeFunction(def, n);
        if (K(def) == PyKind::kClassDefinition) Visit(def, depth + 1);
        return;
      }
      case PyKind::kClassDefinition: {
        int32_t name = t_.Child(n, PyField::kName);
        Scope cls{QualifiedScope(name), {}, scope_};
        Scope* saved = scope_;
        scope_ = &cls;
        int saved_nesting = nesting_;
        nesting_ = 0;
        VisitChildren(n, depth);
        scope_ = saved;
        nesting_ = saved_nesting;
        return;
      }
      case PyKind::kBlock: {
        bool nested = N(n).parent >= 0 && K(N(n).parent) != PyKind::kFunctionDefinition &&
                      K(N(n).parent) != PyKind::kClassDefinition;
        nesting_ += nested;
        VisitChildren(n, depth);
        nesting_ -= nested;
        return;
      }
      case PyKind::kAssignment:
      case PyKind::kAugmentedAssignment: {
        int32_t right = t_.Child(n, PyField::kRight), left = t_.Child(n, PyField::kLeft);
        if (right >= 0) Visit(right, depth + 1);
        Value v = right >= 0 ? Eval(right) : Unknown();
        if (K(n) == PyKind::kAugmentedAssignment && left >= 0) {
          JoinInto(v, Eval(left));
          if (v.origin != Origin::kLiteral) v.formatted = true;
        }
        if (left >= 0) Bind(left, v, n, right, K(n) == PyKind::kAugmentedAssignment);
        if (left >= 0 && K(left) != PyKind::kIdentifier) Visit(left, depth + 1);
        return;
      }
      case PyKind::kForStatement: {
        int32_t right = t_.Child(n, PyField::kRight), left = t_.Child(n, PyField::kLeft);
        if (right >= 0) Visit(right, depth + 1);
        ++nesting_;
        if (left >= 0) Bind(left, Eval(right), n, -1, true);
        --nesting_;
        for (int32_t c = N(n).first_child; c >= 0; c = N(c).next_sibling) {
          if (c != left && c != right) Visit(c, depth + 1);
        }
        return;
      }
      case PyKind::kAsPattern: {  // with open(x) as f / except E as e
        int32_t value = N(n).first_child;
        int32_t target = t_.Child(n, PyField::kAlias);
        if (value >= 0 && value != target) Visit(value, depth + 1);
        if (target >= 0 && value >= 0 && value != target) {
          Bind(N(target).first_child >= 0 ? N(target).first_child : target, Eval(value), n, -1,
               false);
        }
        return;
      }
      case PyKind::kReturnStatement: {
        VisitChildren(n, depth);
        CheckSecretReturn(n);
        return;
      }
      case PyKind::kCall:
        CheckCall(ReadCall(n));
        VisitChildren(n, depth);
        return;
      case PyKind::kAttribute:
        CheckAttribute(n);
        VisitChildren(n, depth);
        return;
      case PyKind::kPair:
        CheckSecretPair(n);
        VisitChildren(n, depth);
        return;
      default:
        VisitChildren(n, depth);
        return;
    }
  }

  std::string QualifiedScope(int32_t name) const {
    std::string s = name >= 0 ? std::string(Text(name)) : "?";
    return scope_->name == "<module>" ? s : scope_->name + "." + s;
  }

  // A Flask/FastAPI route: @app.route(...), @bp.get(...), @router.post(...).
  bool IsRouteDecorator(int32_t decorator) const {
    int32_t e = N(decorator).first_child;
    if (K(e) != PyKind::kCall) return false;
    int32_t fn = t_.Child(e, PyField::kFunction);
    if (K(fn) != PyKind::kAttribute) return false;
    int32_t attr = t_.Child(fn, PyField::kAttribute);
    return attr >= 0 && In(Text(attr), {"route", "get", "post", "put", "delete", "patch",
                                        "api_route", "websocket", "head", "options"});
  }

  void AnalyzeFunction(int32_t def, int32_t decorated) {
    bool route = false;
    if (decorated >= 0) {
      for (int32_t c = N(decorated).first_child; c >= 0; c = N(c).next_sibling) {
        if (K(c) == PyKind::kDecorator && IsRouteDecorator(c)) route = true;
      }
    }
    Scope fn{QualifiedScope(t_.Child(def, PyField::kName)), {}, scope_};
    int32_t params = t_.Child(def, PyField::kParameters);
    for (int32_t p = params >= 0 ? N(params).first_child : -1; p >= 0; p = N(p).next_sibling) {
      int32_t name = p;
      int32_t value = -1, type = -1;
      if (K(p) == PyKind::kDefaultParameter || K(p) == PyKind::kTypedDefaultParameter) {
        name = t_.Child(p, PyField::kName);
        value = t_.Child(p, PyField::kValue);
        type = t_.Child(p, PyField::kType);
      } else if (K(p) == PyKind::kTypedParameter) {
        name = t_.ChildOfKind(p, PyKind::kIdentifier);
        type = t_.Child(p, PyField::kType);
      } else if (K(p) != PyKind::kIdentifier) {
        name = t_.ChildOfKind(p, PyKind::kIdentifier);
      }
      if (name < 0 || K(name) != PyKind::kIdentifier) continue;
      std::string pname(Text(name));
      bool injected = (value >= 0 && K(value) == PyKind::kCall) ||
                      (type >= 0 && (Text(type).find("Request") != std::string_view::npos ||
                                     Text(type).find("Session") != std::string_view::npos ||
                                     Text(type).find("Depends") != std::string_view::npos));
      if (route && pname != "self" && pname != "cls" && pname != "request" && !injected) {
        fn.vars[pname] = Source(Origin::kRequest, p);
      } else {
        fn.vars[pname] = Unknown();
      }
    }
    Scope* saved = scope_;
    int saved_nesting = nesting_;
    scope_ = &fn;
    nesting_ = 0;
    int32_t body = t_.Child(def, PyField::kBody);
    if (body >= 0) Visit(body, 1);
    scope_ = saved;
    nesting_ = saved_nesting;
  }

  // Binds `target` to `v`. Inside a branch or loop the old value is kept too
  // (weak update), so a constant assigned in one branch does not hide a
  // tainted value from another.
  void Bind(int32_t target, Value v, int32_t assignment, int32_t right, bool weak) {
    if (IsTainted(v) && v.steps.size() < kMaxSteps) v.steps.push_back(assignment);
    switch (K(target)) {
      case PyKind::kIdentifier:
      case PyKind::kAttribute: {
        std::string name(Text(target));
        CheckSecretAssignment(target, name, v, assignment);
        if (K(target) == PyKind::kAttribute) CheckVerifyAssignment(target, right);
        auto it = scope_->vars.find(name);
        if (it == scope_->vars.end()) {
          scope_->vars.emplace(name, std::move(v));
        } else if (weak || nesting_ > 0) {
          JoinInto(it->second, v);
        } else {
          it->second = std::move(v);
        }
        return;
      }
      case PyKind::kSubscript: {  // d["k"] = v taints d
        int32_t base = t_.Child(target, PyField::kValue);
        if (base >= 0 && (K(base) == PyKind::kIdentifier || K(base) == PyKind::kAttribute)) {
          CheckSecretAssignment(target, std::string(Text(target)), v, assignment);
          Value merged = Lookup(std::string(Text(base)));
          JoinInto(merged, v);
          scope_->vars[std::string(Text(base))] = merged;
        }
        return;
      }
      default:  // a, b = ... / (a, b) / [a, b] / *rest
        for (int32_t c = N(target).first_child; c >= 0; c = N(c).next_sibling) {
          Bind(c, v, assignment, -1, weak);
        }
        return;
    }
  }

  // ---- reporting -----------------------------------------------------------

  std::string Describe(int32_t n, size_t max_bytes = 60) const {
    return CollapseWhitespace(Text(n), max_bytes);
  }

  // Emits `check` at `at` for a value `v` reaching the sink `sink`.
  void Report(TreeCheck check, int32_t at, int32_t sink, const Value& v, Policy policy,
              const std::string& what) {
    const Rule* rule = rules_.Get(check);
    if (rule == nullptr) return;
    TreeMatch m;
    m.rule = rule;
    m.severity = rule->severity;
    m.confidence = rule->confidence;
    switch (v.origin) {
      case Origin::kLiteral:
        if (policy == Policy::kLowWhenLiteral) {
          m.severity = Severity::kLow;
          m.confidence = Confidence::kLow;
          m.detail = what + " is a constant today";
        } else if (policy != Policy::kFixed) {
          return;
        }
        break;
      case Origin::kUnknown:
        if (policy == Policy::kRequestOnly) return;
        if (policy == Policy::kNeedsFormatting && !v.formatted) return;
        break;
      case Origin::kLocal:
        if (policy == Policy::kRequestOnly) return;
        m.confidence = Confidence::kHigh;
        m.detail = what + " from " + Describe(v.source) + " (local input)";
        break;
      case Origin::kRequest:
        if (policy != Policy::kRequestOnly) m.severity = Raise(m.severity);
        m.confidence = Confidence::kHigh;
        m.detail = what + " from the request (" + Describe(v.source) + ")";
        break;
    }
    if (IsTainted(v) && v.source >= 0) {
      m.flow.push_back({N(v.source).begin, "source: " + Describe(v.source)});
      for (int32_t s : v.steps) {
        if (s != sink) m.flow.push_back({N(s).begin, Describe(s, 80)});
      }
      m.flow.push_back({N(at).begin, "sink: " + Describe(sink, 80)});
    }
    if (check == TreeCheck::kSqlExecute && v.sql_site >= 0) consumed_sql_.insert(v.sql_site);
    Emit(std::move(m), at, sink);
  }

  void ReportFixed(TreeCheck check, int32_t at, const std::string& detail) {
    const Rule* rule = rules_.Get(check);
    if (rule == nullptr) return;
    TreeMatch m;
    m.rule = rule;
    m.severity = rule->severity;
    m.confidence = rule->confidence;
    m.detail = detail;
    Emit(std::move(m), at, at);
  }

  void Emit(TreeMatch m, int32_t at, int32_t construct) {
    m.begin = N(at).begin;
    m.end = std::max(N(at).end, N(construct).end);
    m.anchor = scope_->name + "\n" + Compact(Text(construct), 240);
    out_.push_back(std::move(m));
  }

  // ---- sinks ---------------------------------------------------------------

  void CheckCall(const Call& c) {
    const std::string& q = c.q;
    std::string_view last = LastName(q);
    auto arg = [&](size_t i, std::string_view kw = {}) { return c.Arg(i, kw); };
    auto value = [&](int32_t n) { return n >= 0 ? Eval(n) : Unknown(); };

    // Injection.
    if (In(q, {"os.system", "os.popen", "os.popen2", "os.popen3", "os.popen4", "popen2.popen2",
               "popen2.popen3", "popen2.popen4", "commands.getoutput", "commands.getstatusoutput",
               "subprocess.getoutput", "subprocess.getstatusoutput"})) {
      int32_t a = arg(0, "cmd");
      if (a >= 0)
        Report(TreeCheck::kShellCommand, c.node, c.node, value(a), Policy::kLowWhenLiteral,
               "command");
    }
    if (q.rfind("subprocess.", 0) == 0 &&
        In(last, {"call", "run", "Popen", "check_call", "check_output"})) {
      int32_t shell = c.Keyword("shell");
      if (shell >= 0 &&
          (K(shell) == PyKind::kTrue || (K(shell) == PyKind::kInteger && Text(shell) != "0"))) {
        int32_t a = arg(0, "args");
        if (a >= 0)
          Report(TreeCheck::kSubprocessShell, c.node, c.node, value(a), Policy::kLowWhenLiteral,
                 "shell command");
      }
    }
    if (IsBuiltin(c, "eval") || IsBuiltin(c, "exec")) {
      int32_t a = arg(0);
      if (a >= 0)
        Report(TreeCheck::kEval, c.node, c.node, value(a), Policy::kLowWhenLiteral,
               std::string(q) + " argument");
    }
    if (In(last, {"execute", "executemany", "executescript", "read_sql", "read_sql_query", "raw",
                  "mogrify"}) ||
        In(q, {"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text"})) {
      int32_t a = arg(0, "sql");
      if (a >= 0)
        Report(TreeCheck::kSqlExecute, c.node, c.node, value(a), Policy::kNeedsFormatting, "query");
    }
    // Path traversal.
    bool open_like =
        IsBuiltin(c, "open") ||
        In(q, {"io.open", "codecs.open", "os.open", "os.remove", "os.unlink", "os.rmdir",
               "os.listdir", "pathlib.Path", "flask.send_file", "fastapi.responses.FileResponse",
               "starlette.responses.FileResponse", "django.http.FileResponse"}) ||
        q.rfind("shutil.", 0) == 0 ||
        (q.find('.') == std::string::npos && In(q, {"send_file", "FileResponse", "Path"}));
    if (open_like) {
      int32_t a = arg(0);
      if (a >= 0)
        Report(TreeCheck::kPathFromRequest, c.node, c.node, value(a), Policy::kRequestOnly, "path");
    }
    if (EndsWithName(q, "send_from_directory")) {
      for (size_t i = 0; i < 2; ++i) {
        int32_t a = arg(i);
        if (a >= 0 && IsTainted(value(a)) && value(a).origin == Origin::kRequest) {
          Report(TreeCheck::kPathFromRequest, c.node, c.node, value(a), Policy::kRequestOnly,
                 "path");
          break;
        }
      }
    }
    if (last == "extractall" && c.Keyword("filter") < 0 && c.Keyword("members") < 0) {
      ReportFixed(TreeCheck::kArchiveExtract, c.node, "");
    }
    // XSS and templates.
    if (In(q, {"markupsafe.Markup", "flask.Markup", "jinja2.Markup", "Markup",
               "django.utils.safestring.mark_safe", "mark_safe"})) {
      int32_t a = arg(0);
      if (a >= 0)
        Report(TreeCheck::kMarkup, c.node, c.node, value(a), Policy::kSilentWhenLiteral, "markup");
    }
    if (EndsWithName(q, "render_template_string")) {
      int32_t a = arg(0, "source");
      if (a >= 0)
        Report(TreeCheck::kTemplateString, c.node, c.node, value(a), Policy::kSilentWhenLiteral,
               "template");
    }
    if (int32_t ae = c.Keyword("autoescape"); ae >= 0 && K(ae) == PyKind::kFalse) {
      ReportFixed(TreeCheck::kJinjaAutoescape, c.node, "");
    }
    // Cryptography.
    CheckWeakHash(c);
    CheckWeakCipher(c);
    if (int32_t verify = c.Keyword("verify"); verify >= 0 && K(verify) == PyKind::kFalse) {
      ReportFixed(TreeCheck::kTlsVerify, N(verify).parent, "verify argument is False");
    }
    if (In(q, {"ssl._create_unverified_context", "ssl._create_stdlib_context"})) {
      ReportFixed(TreeCheck::kTlsVerify, c.node, std::string(q));
    }
    for (const auto& [name, v] : c.keywords) {
      if (SecretName(name)) CheckSecretValue(N(v).parent, v, Eval(v));
    }
    // Deserialization.
    CheckDeserialization(c);
  }

  void CheckWeakHash(const Call& c) {
    if (rules_.Get(TreeCheck::kWeakHash) == nullptr) return;
    const std::string& q = c.q;
    if (int32_t u = c.Keyword("usedforsecurity"); u >= 0 && K(u) == PyKind::kFalse) return;
    bool weak = In(q, {"hashlib.md5", "hashlib.sha1", "Crypto.Hash.MD5.new", "Crypto.Hash.SHA.new",
                       "Crypto.Hash.SHA1.new", "Cryptodome.Hash.MD5.new",
                       "Cryptodome.Hash.SHA1.new", "cryptography.hazmat.primitives.hashes.MD5",
                       "cryptography.hazmat.primitives.hashes.SHA1"});
    if (q == "hashlib.new") {
      int32_t a = c.Arg(0, "name");
      if (a >= 0 && K(a) == PyKind::kString) {
        std::string name;
        for (char ch : Text(a))
          name += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        weak = name.find("md5") != std::string::npos || name.find("sha1") != std::string::npos;
      }
    }
    if (weak) ReportFixed(TreeCheck::kWeakHash, c.node, std::string(q));
  }

  // Weak ciphers by their last two name components: Crypto/Cryptodome
  // Cipher.<X>.new, cryptography's algorithms.<X> and modes.ECB.
  static bool WeakCipherName(std::string_view q) {
    std::string_view fn = LastName(q);
    std::string_view rest = q.size() > fn.size() ? q.substr(0, q.size() - fn.size() - 1) : "";
    std::string_view mod = LastName(rest);
    if (fn == "new") return In(mod, {"DES", "DES3", "ARC4", "ARC2", "Blowfish", "CAST", "XOR"});
    if (mod == "algorithms") {
      return In(fn, {"TripleDES", "ARC4", "Blowfish", "IDEA", "CAST5", "SEED"});
    }
    return mod == "modes" && fn == "ECB";
  }

  void CheckWeakCipher(const Call& c) {
    if (WeakCipherName(c.q)) ReportFixed(TreeCheck::kWeakCipher, c.node, c.q);
  }

  void CheckAttribute(int32_t n) {
    // Only the outermost attribute of a chain, and not the callee of a call
    // (CheckCall sees that).
    if (N(n).parent >= 0 && K(N(n).parent) == PyKind::kAttribute) return;
    std::string q = Qualify(n);
    std::string_view last = LastName(q);
    if (q.rfind("ssl.", 0) == 0 && last == "CERT_NONE") {
      ReportFixed(TreeCheck::kTlsVerify, n, "certificate checks off (CERT_NONE)");
    }
    // Spelled in two parts so the C++ weak-cipher pattern does not flag this line.
    if (last.substr(0, 5) == "MODE_" && last.substr(5) == "ECB") {
      ReportFixed(TreeCheck::kWeakCipher, n, "ECB mode");
    }
  }

  void CheckDeserialization(const Call& c) {
    const std::string& q = c.q;
    std::string_view last = LastName(q);
    std::string_view module = std::string_view(q).substr(0, q.size() - last.size());
    bool pickle_like = (IsPickleModule(q) && In(last, {"load", "loads", "Unpickler"})) ||
                       In(q, {"joblib.load", "sklearn.externals.joblib.load", "pandas.read_pickle",
                              "shelve.open", "jsonpickle.decode"}) ||
                       (last == "read_pickle" && module != "pickle.");
    if (pickle_like) {
      int32_t a = c.Arg(0, "");
      Value v = a >= 0 ? Eval(a) : Unknown();
      // pickle.loads(pickle.dumps(x)): a round trip of our own object.
      if (v.own_pickle && !IsTainted(v)) return;
      if (v.origin == Origin::kRequest) {
        Report(TreeCheck::kPickleRequest, c.node, c.node, v, Policy::kRequestOnly, "data");
      } else {
        Report(TreeCheck::kPickle, c.node, c.node, v, Policy::kFixed, "data");
      }
    }
    if (q == "torch.load") {
      int32_t w = c.Keyword("weights_only");
      if (w < 0 || K(w) != PyKind::kTrue) {
        int32_t a = c.Arg(0, "f");
        Report(TreeCheck::kTorchLoad, c.node, c.node, a >= 0 ? Eval(a) : Unknown(), Policy::kFixed,
               "file");
      }
    }
    if (In(q, {"yaml.load", "yaml.load_all", "yaml.unsafe_load", "yaml.unsafe_load_all",
               "yaml.full_load", "yaml.full_load_all"})) {
      bool safe = false;
      if (last == "load" || last == "load_all") {
        int32_t loader = c.Arg(1, "Loader");
        safe = loader >= 0 && (EndsWithName(Qualify(loader), "SafeLoader") ||
                               EndsWithName(Qualify(loader), "CSafeLoader") ||
                               EndsWithName(Qualify(loader), "BaseLoader"));
      }
      if (!safe) {
        int32_t a = c.Arg(0, "stream");
        Report(TreeCheck::kYamlLoad, c.node, c.node, a >= 0 ? Eval(a) : Unknown(), Policy::kFixed,
               "document");
      }
    }
    if (q == "numpy.load") {
      int32_t ap = c.Keyword("allow_pickle");
      if (ap >= 0 && K(ap) == PyKind::kTrue) {
        int32_t a = c.Arg(0, "file");
        Report(TreeCheck::kNumpyPickle, c.node, c.node, a >= 0 ? Eval(a) : Unknown(),
               Policy::kFixed, "file");
      }
    }
  }

  // random.* reaching a name that holds a secret.
  void CheckSecretValue(int32_t at, int32_t construct, const Value& v) {
    const Rule* rule = rules_.Get(TreeCheck::kInsecureRandom);
    if (rule == nullptr || v.random_site < 0) return;
    TreeMatch m;
    m.rule = rule;
    m.severity = rule->severity;
    m.confidence = rule->confidence;
    m.detail = Describe(v.random_site, 40) + " is predictable";
    m.flow.push_back({N(v.random_site).begin, "source: " + Describe(v.random_site, 60)});
    m.flow.push_back({N(at).begin, "sink: " + Describe(at, 80)});
    Emit(std::move(m), at, construct);
  }

  void CheckSecretAssignment(int32_t target, const std::string& name, const Value& v,
                             int32_t assignment) {
    if (v.random_site >= 0 && SecretName(name)) CheckSecretValue(assignment, assignment, v);
    (void)target;
  }

  void CheckSecretReturn(int32_t ret) {
    if (scope_->name == "<module>" || !SecretName(LastName(scope_->name))) return;
    int32_t e = N(ret).first_child;
    if (e >= 0) CheckSecretValue(ret, ret, Eval(e));
  }

  void CheckSecretPair(int32_t pair) {
    int32_t key = t_.Child(pair, PyField::kKey), value = t_.Child(pair, PyField::kValue);
    if (key >= 0 && value >= 0 && K(key) == PyKind::kString && SecretName(Text(key))) {
      CheckSecretValue(pair, pair, Eval(value));
    }
  }

  // session.verify set to False.
  void CheckVerifyAssignment(int32_t target, int32_t right) {
    int32_t attr = t_.Child(target, PyField::kAttribute);
    if (attr >= 0 && Text(attr) == "verify" && right >= 0 && K(right) == PyKind::kFalse) {
      ReportFixed(TreeCheck::kTlsVerify, N(target).parent, "verify attribute set to False");
    }
  }

  // SQL text built by formatting that no execute() in this file consumed.
  void EmitSqlBuilding() {
    const Rule* rule = rules_.Get(TreeCheck::kSqlBuilding);
    if (rule == nullptr) return;
    for (int32_t site : sql_sites_) {
      if (consumed_sql_.count(site)) continue;
      // Only the outermost building expression.
      bool inner = false;
      for (int32_t p = N(site).parent; p >= 0 && !inner; p = N(p).parent) {
        inner = sql_sites_.count(p) > 0;
      }
      if (inner) continue;
      TreeMatch m;
      m.rule = rule;
      m.severity = rule->severity;
      m.confidence = rule->confidence;
      m.begin = N(site).begin;
      m.end = N(site).end;
      m.anchor = "<sql>\n" + Compact(Text(site), 240);
      out_.push_back(std::move(m));
    }
  }

  const SyntaxTree& t_;
  const TreeRuleSet& rules_;
  std::vector<TreeMatch>& out_;
  std::unordered_map<std::string, std::string> aliases_;
  std::unordered_set<std::string> defined_;
  Scope* scope_ = nullptr;
  int nesting_ = 0;
  std::set<int32_t> sql_sites_;
  std::set<int32_t> consumed_sql_;
};

}  // namespace

void AnalyzePython(const SyntaxTree& tree, const TreeRuleSet& rules, std::vector<TreeMatch>& out) {
  if (rules.empty()) return;
  Analyzer(tree, rules, out).Run();
}

}  // namespace churnml::audit
