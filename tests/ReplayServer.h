#pragma once
// A small HTTP server on 127.0.0.1 for tests: records each request and answers it with a scripted
// response, written piece by piece with a delay between pieces (chunked transfer encoding, as
// uvicorn/vLLM and llama.cpp send server-sent events). The script can end the connection early to
// play a dropped stream.
#include <QByteArray>
#include <QHash>
#include <QList>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <memory>

struct ScriptedResponse {
    int status = 200;
    QByteArray contentType = "text/event-stream";
    QList<QByteArray> pieces;  // each written as one HTTP chunk
    int delayMs = 0;           // between pieces
    bool dropAfterPieces = false; // abort the connection instead of ending the body
};

struct RecordedRequest {
    QByteArray method, path;
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QByteArray body;
};

class ReplayServer {
public:
    explicit ReplayServer(ScriptedResponse response) : response_(std::move(response))
    {
        QObject::connect(&server_, &QTcpServer::newConnection, &server_, [this] {
            while (QTcpSocket* socket = server_.nextPendingConnection())
                serve(socket);
        });
        server_.listen(QHostAddress::LocalHost, 0);
    }
    bool isListening() const { return server_.isListening(); }
    QString baseUrl() const { return QStringLiteral("http://127.0.0.1:%1/v1").arg(server_.serverPort()); }
    const QList<RecordedRequest>& requests() const { return requests_; }

private:
    void serve(QTcpSocket* socket)
    {
        auto buffer = std::make_shared<QByteArray>();
        QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer] {
            *buffer += socket->readAll();
            const int headerEnd = buffer->indexOf("\r\n\r\n");
            if (headerEnd < 0)
                return;
            RecordedRequest request;
            const QList<QByteArray> lines = buffer->left(headerEnd).split('\n');
            const QList<QByteArray> requestLine = lines.front().trimmed().split(' ');
            request.method = requestLine.value(0);
            request.path = requestLine.value(1);
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const int colon = lines[i].indexOf(':');
                if (colon > 0)
                    request.headers.insert(lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed());
            }
            const int length = request.headers.value("content-length").toInt();
            if (buffer->size() < headerEnd + 4 + length)
                return; // the body is still arriving
            request.body = buffer->mid(headerEnd + 4, length);
            requests_.push_back(request);
            QObject::disconnect(socket, &QTcpSocket::readyRead, nullptr, nullptr);
            respond(socket);
        });
    }

    void respond(QTcpSocket* socket)
    {
        socket->write("HTTP/1.1 " + QByteArray::number(response_.status) + " Scripted\r\nContent-Type: " + response_.contentType +
                      "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        writePiece(socket, 0);
    }

    void writePiece(QTcpSocket* socket, qsizetype index)
    {
        if (socket->state() != QAbstractSocket::ConnectedState)
            return;
        if (index == response_.pieces.size()) {
            if (response_.dropAfterPieces) {
                socket->flush();
                socket->abort();
            } else {
                socket->write("0\r\n\r\n");
                socket->disconnectFromHost();
            }
            return;
        }
        const QByteArray& piece = response_.pieces[index];
        socket->write(QByteArray::number(piece.size(), 16) + "\r\n" + piece + "\r\n");
        socket->flush();
        QTimer::singleShot(response_.delayMs, socket, [this, socket, index] { writePiece(socket, index + 1); });
    }

    QTcpServer server_;
    ScriptedResponse response_;
    QList<RecordedRequest> requests_;
};
