#include "agent/guard/RequestServer.h"

#include <QLocalSocket>
#include <QPointer>
#include <QTimer>
#include <QVariant>

#include <filesystem>

#include "common/Files.h"
#include "common/Log.h"

namespace mamori::agent::guard {

RequestServer::RequestServer(std::string path, PeerUser peerUser, Handler handler)
    : path_(std::move(path)), peerUser_(std::move(peerUser)), handler_(std::move(handler)) {}

RequestServer::~RequestServer() {
  if (server_) server_->close();
}

common::Status RequestServer::start() {
  const std::string folder = std::filesystem::path(path_).parent_path().string();
  if (!folder.empty()) {
    if (auto made = common::makeDirectories(folder); !made) return made.error();
    std::error_code ec;
    // Everyone must reach the socket inside; only root writes the folder.
    std::filesystem::permissions(folder,
                                 std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                     std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                                     std::filesystem::perms::others_exec,
                                 ec);
  }
  server_ = std::make_unique<QLocalServer>();
  server_->setSocketOptions(QLocalServer::WorldAccessOption);
  QLocalServer::removeServer(QString::fromStdString(path_));  // left by a killed agent (the state lock is ours)
  if (!server_->listen(QString::fromStdString(path_))) {
    const std::string why = server_->errorString().toStdString();
    server_.reset();
    return common::makeError("cannot listen: " + why, path_);
  }
  connect(server_.get(), &QLocalServer::newConnection, this, &RequestServer::onConnection);
  return common::Ok{};
}

void RequestServer::onConnection() {
  while (QLocalSocket* socket = server_->nextPendingConnection()) {
    if (open_ >= kMaxConnections) {
      socket->abort();
      socket->deleteLater();
      continue;
    }
    ++open_;
    connect(socket, &QObject::destroyed, this, [this] { --open_; });
    connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
    connect(socket, &QLocalSocket::readyRead, this, [this, socket] { onReadable(socket); });
    auto* deadline = new QTimer(socket);  // goes with the socket
    deadline->setSingleShot(true);
    deadline->setObjectName("line");
    connect(deadline, &QTimer::timeout, socket, [socket] {
      socket->abort();
      socket->deleteLater();
    });
    deadline->start(kLineDeadlineMs);
  }
}

void RequestServer::onReadable(QLocalSocket* socket) {
  if (socket->property("answered").toBool()) return;  // one request per connection
  if (!socket->canReadLine()) {
    if (socket->bytesAvailable() > static_cast<qint64>(kMaxControlLine)) socket->abort();
    return;
  }
  socket->setProperty("answered", true);
  if (auto* deadline = socket->findChild<QTimer*>("line")) deadline->start(kAnswerDeadlineMs);
  std::string line = socket->readLine(static_cast<qint64>(kMaxControlLine) + 2).toStdString();
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  QPointer<QLocalSocket> alive(socket);
  Reply reply = [alive](const ControlAnswer& answer) {
    if (!alive) return;  // the client gave up or the deadline passed
    alive->write(QByteArray::fromStdString(formatControlAnswer(answer)));
    alive->flush();
    alive->disconnectFromServer();
  };
  auto request = parseControlRequest(line);
  if (!request) return reply({ControlOutcome::Error, request.error().describe()});
  if (request.value().command != ControlCommand::Devices && request.value().command != ControlCommand::Request) {
    return reply({ControlOutcome::Refused, "only devices and request are served here"});
  }
  auto user = peerUser_(static_cast<int>(socket->socketDescriptor()));
  if (!user) {
    common::log::warning("request socket: " + user.error().describe());
    return reply({ControlOutcome::Error, "cannot tell who is asking: " + user.error().describe()});
  }
  handler_(request.value(), user.value(), std::move(reply));
}

}  // namespace mamori::agent::guard
