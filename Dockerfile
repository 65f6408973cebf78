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
ENV RAPPORT_LISTEN=0.0.0.0:8080
ENTRYPOINT ["/usr/local/bin/rapport"]
CMD ["serve"]
