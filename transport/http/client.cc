#include "transport/http/client.h"

#include <curl/curl.h>

#include <algorithm>

namespace strait::transport::http {

namespace {

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

size_t Discard(char*, size_t size, size_t n, void*) {
  return size * n;
}

// CURLOPT_XFERINFOFUNCTION: a non-zero return aborts the transfer (CURLE_ABORTED_BY_CALLBACK).
int AbortCheck(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* abort = static_cast<const std::function<bool()>*>(user);
  return (*abort)() ? 1 : 0;
}

}  // namespace

Result<std::unique_ptr<Client>> Client::Create() {
  static const bool curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!curl_ready)
    return Error("libcurl failed to initialise");
  CURL* curl = curl_easy_init();
  if (!curl)
    return Error("libcurl: no easy handle");
  return std::unique_ptr<Client>(new Client(curl));
}

Client::~Client() {
  curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Result<int> Client::Send(const ClientRequest& request) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);  // keeps the connection cache: keep-alive across requests
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(
      curl, CURLOPT_CONNECTTIMEOUT_MS,
      static_cast<long>(std::min(request.timeout.count(), request.connect_timeout.count())));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  for (const std::string& h : request.headers) {
    curl_slist* grown = curl_slist_append(headers.get(), h.c_str());
    if (!grown)
      return Error("libcurl: out of memory for headers");
    headers.release();
    headers.reset(grown);
  }
  if (headers)
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.has_body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  } else if (request.method == "DELETE" || request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  }
  if (request.abort) {
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, AbortCheck);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &request.abort);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  }
  const CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK)
    return Error(curl_easy_strerror(rc));
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  return static_cast<int>(status);
}

}  // namespace strait::transport::http
