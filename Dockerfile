# ntpsweep as a container image for your own registry (docs/ci.md):
#   docker build -t ntpsweep .
#   docker run --rm -v "$PWD:/src" ntpsweep scan --host 10.20.30.40
# Without a registry or a daemon, scripts/make-oci-image.sh assembles the same image offline.
FROM debian:12-slim AS build
RUN apt-get update -q && apt-get install -y -q --no-install-recommends \
      build-essential cmake ninja-build pkg-config libarchive-dev libisal-dev libzstd-dev libre2-dev \
      libyaml-dev libcli11-dev nlohmann-json3-dev libtomlplusplus-dev libtsk-dev libfsxfs-dev \
      libvslvm-dev libbfio-dev libpcap-dev \
      $(if [ "$(dpkg --print-architecture)" = amd64 ]; then echo libhyperscan-dev; else echo libvectorscan-dev; fi) \
    && rm -rf /var/lib/apt/lists/*
COPY . /ntpsweep
RUN cmake -S /ntpsweep -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
    && cmake --build /build --target ntpsweep

# The libraries the binary and its modules link (tests/package/check-deb.sh compares them with
# the .deb's Depends), and git: --changed-since and SARIF versionControlProvenance read the
# mounted tree.
FROM debian:12-slim
RUN apt-get update -q && apt-get install -y -q --no-install-recommends \
      libarchive13 libisal2 libzstd1 libre2-9 libyaml-0-2 libtomlplusplus3 libtsk19 libvhdi1 libfsxfs1 \
      libvslvm1 libbfio1 libpcap0.8 git \
      $(if [ "$(dpkg --print-architecture)" = amd64 ]; then echo libhyperscan5; else echo libvectorscan5; fi) \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --user-group --home-dir /src --no-create-home --shell /usr/sbin/nologin ntpsweep \
    && mkdir -p /src
COPY --from=build /build/ntpsweep /usr/local/bin/ntpsweep
# The disk and capture readers, loaded from lib/ntpsweep beside the binary's bin/ (core/module.h).
COPY --from=build /build/ntpsweep-disk.so /build/ntpsweep-pcap.so /usr/local/lib/ntpsweep/
COPY rules /usr/share/ntpsweep/rules
USER 10001:10001
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/ntpsweep"]
CMD ["scan"]
