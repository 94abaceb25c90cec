#include "tests/integration/tls_material.h"

#include <cstdlib>
#include <fstream>

namespace auditstream::service_it {

Certificates::Certificates(const std::filesystem::path& dir) : dir_(dir) {
  std::filesystem::create_directories(dir);
  run("openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=test-ca");
  run("openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.crt -days 2 -subj /CN=other");
  sign("server", "localhost", "ca", "subjectAltName=DNS:localhost,IP:127.0.0.1");
  sign("prod-2", "apiserver-prod-2", "ca", "extendedKeyUsage=clientAuth");
  sign("stranger", "stranger", "ca", "extendedKeyUsage=clientAuth");
  sign("forged", "apiserver-prod-2", "other-ca", "extendedKeyUsage=clientAuth");
}

void Certificates::run(const std::string& command) {
  const std::string line = "cd " + dir_.string() + " && " + command + " >>openssl.log 2>&1";
  ok_ = ok_ && std::system(line.c_str()) == 0;
}

void Certificates::sign(const std::string& name, const std::string& cn, const std::string& ca,
                        const std::string& extension) {
  std::ofstream(dir_ / (name + ".ext")) << extension << "\n";
  run("openssl req -newkey rsa:2048 -nodes -keyout " + name + ".key -out " + name + ".csr -subj /CN=" + cn);
  run("openssl x509 -req -in " + name + ".csr -CA " + ca + ".crt -CAkey " + ca + ".key -CAcreateserial -out " + name +
      ".crt -days 2 -extfile " + name + ".ext");
}

}  // namespace auditstream::service_it
