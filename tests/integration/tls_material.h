// TLS material for the ingest tests, made with the openssl command line: a CA, the server's certificate
// (localhost, 127.0.0.1), clients of the CA (`prod-2`: CN apiserver-prod-2, a configured client;
// `stranger`: CN stranger, no client's) and `forged` (CN apiserver-prod-2, signed by another CA).
#pragma once

#include <filesystem>
#include <string>

namespace auditstream::service_it {

class Certificates {
 public:
  explicit Certificates(const std::filesystem::path& dir);
  std::string path(const std::string& file) const { return (dir_ / file).string(); }
  bool ok() const { return ok_; }

 private:
  void run(const std::string& command);
  void sign(const std::string& name, const std::string& cn, const std::string& ca, const std::string& extension);
  std::filesystem::path dir_;
  bool ok_ = true;
};

}  // namespace auditstream::service_it
