#pragma once
// The employees' socket (docs/admin.md "Exception requests"): `mamori-agent request`, run by any
// local user, lists the devices the agent blocked and asks for one. Unlike the control socket it is
// open to every local account, so it accepts only "devices" and "request" (ControlProtocol.h), and
// who asks is taken from the socket's peer credentials, never from what the client says.
//
// One request line, one answer line; the answer may wait for the collector (asynchronous). Bounded:
// a few connections at a time, each closed after its answer or its deadline.

#include <QLocalServer>
#include <QObject>

#include <functional>
#include <memory>
#include <string>

#include "agent/guard/ControlProtocol.h"
#include "common/Result.h"

class QLocalSocket;

namespace mamori::agent::guard {

class RequestServer final : public QObject {
  Q_OBJECT

 public:
  // The local account of the process at the other end of a connected unix socket (SO_PEERCRED;
  // drivers/linux/PeerCredentials in the agent, a fixed name in tests).
  using PeerUser = std::function<common::Result<std::string>(int fd)>;
  using Reply = std::function<void(ControlAnswer)>;
  // Devices and Request only; reply exactly once (later is fine).
  using Handler = std::function<void(const ControlRequest& request, const std::string& user, Reply reply)>;

  static constexpr int kMaxConnections = 8;
  static constexpr int kLineDeadlineMs = 5000;
  static constexpr int kAnswerDeadlineMs = 30'000;  // the collector's answer included

  RequestServer(std::string path, PeerUser peerUser, Handler handler);
  ~RequestServer() override;

  // Creates the socket's folder (0755) and listens with the socket open to every local user.
  common::Status start();

 private:
  void onConnection();
  void onReadable(QLocalSocket* socket);

  std::string path_;
  PeerUser peerUser_;
  Handler handler_;
  std::unique_ptr<QLocalServer> server_;
  int open_ = 0;
};

}  // namespace mamori::agent::guard
