# Multi-stage build: a static rapport binary on a distroless, non-root base. Time zone data is
# compiled into the binary (time/tzdata), so customers' zones resolve without /usr/share/zoneinfo.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/rapport ./cmd/rapport

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rapport /usr/local/bin/rapport
USER nonroot:nonroot
WORKDIR /home/nonroot
EXPOSE 8080
# The API listens on every interface of the container, in every role and in the demo
# (`docker run -p 8080:8080 rapport demo`); /metrics and /monitoring/ stay on the container's
# loopback (admin_listen) unless RAPPORT_ADMIN_LISTEN=0.0.0.0:9464 and -p 9464:9464 say so.
ENV RAPPORT_LISTEN=0.0.0.0:8080
ENTRYPOINT ["/usr/local/bin/rapport"]
CMD ["serve"]
