// Built with -ffp-contract=off (see CMakeLists.txt) so every floating-point
// operation rounds the same way on every machine.
#include "data/synthetic_generator.h"

#include <charconv>
#include <cmath>

#include "data/churn_signal.h"
#include "data/csv_writer.h"

namespace churnml {

namespace {

// customerIDs are "dddd-LLLLL": a bijection of the row index onto the
// 10^4 × 26^5 possible ids keeps them unique for any row count below that.
constexpr uint64_t kIdSpace = uint64_t{10000} * 11881376;  // 26^5
constexpr uint64_t kIdMultiplier = 25214903917;            // coprime with 2, 5 and 13

constexpr double kContractCdf[] = {0.55, 0.76, 1.0};  // M2M, One year, Two year
constexpr const char* kContract[] = {"Month-to-month", "One year", "Two year"};
constexpr double kInternetCdf[] = {0.34, 0.78, 1.0};  // DSL, Fiber optic, No
constexpr const char* kInternet[] = {"DSL", "Fiber optic", "No"};
constexpr const char* kPayment[] = {"Electronic check", "Mailed check", "Bank transfer (automatic)",
                                    "Credit card (automatic)"};
constexpr double kServiceYes[] = {0.37, 0.44, 0.44, 0.37, 0.49, 0.50};
constexpr double kServiceCharge[] = {5.0, 5.0, 5.0, 5.0, 10.0, 10.0};

double Weight(std::string_view column, std::string_view level) {
  for (const ChurnSignalTerm& t : kChurnSignalTerms) {
    if (t.column == column && t.level == level) return t.weight;
  }
  return 0;
}

double Center(std::string_view column) {
  for (const ChurnSignalTerm& t : kChurnSignalTerms) {
    if (t.column == column) return t.center;
  }
  return 0;
}

void AppendInt(std::string* out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

// Non-negative amount in cents as "d.cc".
void AppendCents(std::string* out, int64_t cents) {
  AppendInt(out, cents / 100);
  out->push_back('.');
  out->push_back(static_cast<char>('0' + cents / 10 % 10));
  out->push_back(static_cast<char>('0' + cents % 10));
}

// Amounts are never negative, so rounding half away from zero is half up.
int64_t ToCents(double amount) { return std::llround(amount * 100.0); }

const char* YesNo(bool yes) { return yes ? "Yes" : "No"; }

}  // namespace

SyntheticGenerator::SyntheticGenerator(const GeneratorOptions& options)
    : options_(options), random_(options.seed) {
  uint64_t s = options.seed ^ 0x1D5A3C7B9E2F4861ULL;
  id_offset_ = SplitMix64(&s) % kIdSpace;
  for (int i = 0; i < 3; ++i) {
    contract_cdf_[i] = kContractCdf[i];
    internet_cdf_[i] = kInternetCdf[i];
  }
  if (options.shift > 0) {
    // Unshifted constants stay literal (above) so shift 0 keeps its bytes.
    const double k = options.shift;
    const double month_to_month = 0.55 + 0.30 * k;
    const double one_year = 0.21 * (1.0 - 0.5 * k);
    contract_cdf_[0] = month_to_month;
    contract_cdf_[1] = month_to_month + one_year;
    const double dsl = 0.34 * (1.0 - 0.6 * k);
    const double no_internet = 0.22 * (1.0 - 0.5 * k);
    internet_cdf_[0] = dsl;
    internet_cdf_[1] = 1.0 - no_internet;
  }
}

std::string SyntheticGenerator::Header() {
  return "customerID,gender,SeniorCitizen,Partner,Dependents,tenure,PhoneService,MultipleLines,"
         "InternetService,OnlineSecurity,OnlineBackup,DeviceProtection,TechSupport,StreamingTV,"
         "StreamingMovies,Contract,PaperlessBilling,PaymentMethod,MonthlyCharges,TotalCharges,"
         "Churn\n";
}

void SyntheticGenerator::AppendCustomerId(std::string* out) {
  __extension__ using Wide = unsigned __int128;
  const uint64_t row = static_cast<uint64_t>(next_row_);
  uint64_t x =
      static_cast<uint64_t>((static_cast<Wide>(row) * kIdMultiplier + id_offset_) % kIdSpace);
  char id[10];
  uint64_t digits = x % 10000;
  uint64_t letters = x / 10000;
  for (int i = 3; i >= 0; --i) {
    id[i] = static_cast<char>('0' + digits % 10);
    digits /= 10;
  }
  id[4] = '-';
  for (int i = 9; i >= 5; --i) {
    id[i] = static_cast<char>('A' + letters % 26);
    letters /= 26;
  }
  out->append(id, sizeof(id));
}

bool SyntheticGenerator::AppendRow(std::string* out) {
  if (next_row_ >= options_.rows) return false;
  DeterministicRandom& r = random_;
  AppendCustomerId(out);

  const bool male = r.Bernoulli(0.5);
  const bool senior = r.Bernoulli(0.16);
  const bool partner = r.Bernoulli(0.48);
  const bool dependents = r.Bernoulli(partner ? 0.52 : 0.10);
  const int contract = r.Pick(contract_cdf_);
  // Tenure follows the contract: month-to-month customers are mostly new.
  const double u = r.Uniform();
  int tenure = 0;
  if (r.Bernoulli(0.002)) {
    tenure = 0;  // signed up this month
  } else if (contract == 0) {
    tenure = 1 + static_cast<int>(71.0 * u * u);
  } else if (contract == 1) {
    tenure = 1 + static_cast<int>(71.0 * (0.15 + 0.85 * u));
  } else {
    tenure = 1 + static_cast<int>(71.0 * (1.0 - 0.7 * u * u));
  }
  if (tenure > 72) tenure = 72;
  const double loyalty = tenure / 72.0 - 0.5;  // in [-0.5, 0.5]

  const bool phone = r.Bernoulli(0.90);
  const bool multiple = phone && r.Bernoulli(0.42 + 0.3 * loyalty);
  const int internet = r.Pick(internet_cdf_);
  bool service[6] = {};
  for (int i = 0; i < 6; ++i) {
    service[i] = internet != 2 && r.Bernoulli(kServiceYes[i] + 0.3 * loyalty);
  }
  const bool paperless = r.Bernoulli(internet == 1 ? 0.72 : 0.50);
  // Month-to-month customers pay by electronic check far more often.
  const double e_check = contract == 0 ? 0.47 : 0.16;
  const double v = r.Uniform();
  const int payment = v < e_check ? 0 : 1 + static_cast<int>((v - e_check) / (1.0 - e_check) * 3.0);

  double monthly = 0;
  if (phone) monthly += 20.0 + (multiple ? 5.0 : 0.0);
  if (internet == 0) monthly += 25.0;
  if (internet == 1) monthly += 50.0;
  for (int i = 0; i < 6; ++i) monthly += service[i] ? kServiceCharge[i] : 0.0;
  monthly += 2.0 * r.Normal();
  if (options_.shift > 0) monthly += 10.0 * options_.shift;  // the price rise
  if (monthly < 18.25) monthly = 18.25 + r.Uniform();
  const int64_t monthly_cents = ToCents(monthly);
  monthly = static_cast<double>(monthly_cents) / 100.0;

  double z = kChurnSignalIntercept;
  z += Weight("Contract", kContract[contract]);
  z += Weight("tenure", "") * (tenure - Center("tenure"));
  z += Weight("InternetService", kInternet[internet]);
  z += payment == 0 ? Weight("PaymentMethod", "Electronic check") : 0.0;
  const double price_sensitivity = options_.shift > 0 ? 1.0 + 2.0 * options_.shift : 1.0;
  z += price_sensitivity * Weight("MonthlyCharges", "") * (monthly - Center("MonthlyCharges"));
  z += service[3] ? Weight("TechSupport", "Yes") : 0.0;
  z += service[0] ? Weight("OnlineSecurity", "Yes") : 0.0;
  z += senior ? Weight("SeniorCitizen", "") : 0.0;
  z += paperless ? Weight("PaperlessBilling", "Yes") : 0.0;
  if (options_.difficulty > 0) {
    // Interactions a linear model cannot express, a non-monotone price
    // effect and noise on the log-odds (drawn only here, so difficulty 0
    // keeps the default output byte for byte).
    const double d = options_.difficulty;
    if (contract == 0 && internet == 1) z += 1.4 * d;           // fiber on a monthly contract
    if (senior && payment == 0) z += 1.2 * d;                   // seniors paying by e-check
    if (tenure >= 12 && tenure <= 24) z += 0.9 * d;             // the end-of-first-contract bump
    if (partner && !service[3] && internet != 2) z -= 0.8 * d;  // couples without support stay
    z += (monthly > 60 && monthly < 80 ? 0.9 : -0.3) * d;       // a price band that churns
    z += 1.5 * d * r.Normal();                                  // unobserved causes
  }
  const bool churn = r.Uniform() < DeterministicSigmoid(z);

  out->push_back(',');
  out->append(male ? "Male" : "Female");
  out->append(senior ? ",1," : ",0,");
  out->append(YesNo(partner));
  out->push_back(',');
  out->append(YesNo(dependents));
  out->push_back(',');
  AppendInt(out, tenure);
  out->push_back(',');
  out->append(YesNo(phone));
  out->push_back(',');
  out->append(!phone ? "No phone service" : YesNo(multiple));
  out->push_back(',');
  out->append(kInternet[internet]);
  for (int i = 0; i < 6; ++i) {
    out->push_back(',');
    out->append(internet == 2 ? "No internet service" : YesNo(service[i]));
  }
  out->push_back(',');
  out->append(kContract[contract]);
  out->push_back(',');
  out->append(YesNo(paperless));
  out->push_back(',');
  out->append(kPayment[payment]);
  out->push_back(',');
  AppendCents(out, monthly_cents);
  out->push_back(',');
  if (tenure == 0) {
    out->push_back(' ');
  } else {
    double total = tenure * monthly * (1.0 + 0.03 * r.Normal());
    if (total < monthly) total = monthly;
    AppendCents(out, ToCents(total));
  }
  out->append(churn ? ",Yes\n" : ",No\n");
  ++next_row_;
  return true;
}

Status GenerateCsv(const std::string& path, const GeneratorOptions& options,
                   const std::function<void(int64_t rows_done)>& progress) {
  if (!(options.shift >= 0 && options.shift <= 1)) {
    return InvalidArgumentError("--shift must be between 0 and 1");
  }
  if (!(options.difficulty >= 0 && options.difficulty <= 1)) {
    return InvalidArgumentError("--difficulty must be between 0 and 1");
  }
  CHURNML_ASSIGN_OR_RETURN(CsvWriter writer, CsvWriter::Open(path));
  SyntheticGenerator generator(options);
  std::string buffer = SyntheticGenerator::Header();
  buffer.reserve(size_t{1} << 20);
  while (generator.AppendRow(&buffer)) {
    if (buffer.size() >= (size_t{1} << 20) - 512) {
      CHURNML_RETURN_IF_ERROR(writer.WriteRaw(buffer));
      buffer.clear();
      if (progress) progress(generator.rows_done());
    }
  }
  CHURNML_RETURN_IF_ERROR(writer.WriteRaw(buffer));
  return writer.Finish();
}

}  // namespace churnml
