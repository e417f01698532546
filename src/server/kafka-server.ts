import { mkdirSync } from 'node:fs'
import type { HttpListener } from '../config/http-listener.js'
import type { KafkaConfig } from '../config/kafka-config.js'
import type { Logger } from '../logger.js'
import { ConfigError } from '../errors.js'
import { Connection } from '../client/connection.js'
import { ErrorCode, errorName } from '../protocol/error-codes.js'
import { ControlledShutdownRequest, ControlledShutdownResponse } from '../protocol/messages/controlled-shutdown.js'
import { ZkSession } from '../cluster/zk-session.js'
import { brokerIdHolder, BrokerIdInUseError, deregisterBroker, ensurePersistentPaths, generateBrokerId, getOrCreateClusterId, registerBroker } from '../cluster/broker-registration.js'
import { ClientQuotaConfigs } from '../cluster/client-quota-configs.js'
import { ConfigChangeListener } from '../cluster/config-change-listener.js'
import { CredentialCache } from '../cluster/credential-cache.js'
import { applyEntityQuotas, clientQuotaManagers, replaceAllEntityQuotas } from '../quota/client-quota-manager.js'
import { DynamicConfigManager } from '../cluster/dynamic-config-manager.js'
import { InterBrokerConnections } from '../cluster/inter-broker-connections.js'
import { MetadataCache } from '../cluster/metadata-cache.js'
import { Controller } from '../controller/controller.js'
import { ProducerIdManager } from '../coordinator/producer-id-manager.js'
import { GroupCoordinator } from '../coordinator/group-coordinator.js'
import { TransactionCoordinator } from '../coordinator/transaction-coordinator.js'
import { TransactionMarkerChannel } from '../coordinator/transaction-marker-channel.js'
import { writeTxnMarker } from '../replication/txn-marker-writer.js'
import { ReplicaManager } from '../replication/replica-manager.js'
import { topicLogConfig } from '../storage/log-config.js'
import { isIoError, LogDirFailureChannel } from '../storage/log-dir-failure-channel.js'
import { LogManager } from '../storage/log-manager.js'
import { AclAuthorizer } from '../security/acl-authorizer.js'
import { AddPartitionsToTxnManager } from './add-partitions-to-txn-manager.js'
import type { BrokerContext } from './broker-context.js'
import { BrokerMetrics } from './broker-metrics.js'
import { channelBuilder } from './channel-builder.js'
import { Dispatcher } from './dispatcher.js'
import { FetchManager, FetchSessionCache } from './fetch-session.js'
import { handlers } from './handlers/index.js'
import { checkLogDirOwnership, writeMetaProperties } from './meta-properties.js'
import { MetricsServer } from './metrics-server.js'
import { SocketServer } from './socket-server.js'
import { ConnectionQuotas, connectionLimits } from './connection-quotas.js'

/**
 * The broker process's composition root (Kafka's KafkaServer): start-up in Kafka's order, and a
 * shutdown that undoes it. Everything a client or the tests can see starts here.
 */
export class KafkaServer {
  brokerId = -1
  clusterId = ''
  private zk?: ZkSession
  private dynamicConfig?: DynamicConfigManager
  private configChanges?: ConfigChangeListener
  private authorizer?: AclAuthorizer
  private controller?: Controller
  private metadata?: MetadataCache
  private logManager?: LogManager
  private replicas?: ReplicaManager
  private groups?: GroupCoordinator
  private transactions?: TransactionCoordinator
  private transactionVerifier?: AddPartitionsToTxnManager
  private socketServer?: SocketServer
  private metrics?: BrokerMetrics
  private metricsServer?: MetricsServer
  private shuttingDown = false
  /** Log dirs that failed, from the first check of meta.properties on (Kafka's LogDirFailureChannel). */
  private readonly logDirFailureChannel: LogDirFailureChannel

  constructor (private readonly staticConfig: KafkaConfig, private readonly log: Logger) {
    this.logDirFailureChannel = new LogDirFailureChannel(log.child({ component: 'log-manager' }))
  }

  /** The config the broker runs with: the static one under the dynamic levels once they are read. */
  private get config (): KafkaConfig { return this.dynamicConfig?.current ?? this.staticConfig }

  async startup (): Promise<void> {
    let v = this.config.values
    this.log.info('starting', { listeners: this.config.listeners.map(e => `${e.listenerName}://${e.host}:${e.port}`), logDirs: this.config.logDirs })
    const zk = await ZkSession.connect(v['zookeeper.connect'], {
      sessionTimeoutMs: v['zookeeper.session.timeout.ms'],
      connectionTimeoutMs: this.config.zookeeperConnectionTimeoutMs,
      logger: this.log.child({ component: 'zookeeper' }),
      secureAcls: v['zookeeper.set.acl'],
      digestAuth: v['zookeeper.auth.digest'] ?? undefined,
    })
    this.zk = zk
    await ensurePersistentPaths(zk)
    this.clusterId = await getOrCreateClusterId(zk)
    this.brokerId = await this.resolveBrokerId(zk)
    // Dynamic broker configs before anything that reads them (Kafka's DynamicBrokerConfig.initialize):
    // a restart applies those stored for keys that do not take effect at once, listeners too.
    const dynamicConfig = await DynamicConfigManager.start(zk, this.brokerId, this.staticConfig, this.log.child({ component: 'dynamic-config' }))
    this.dynamicConfig = dynamicConfig
    v = this.config.values
    // Refuse a taken id before anything is written, so a misconfigured second broker leaves no trace.
    const holder = await brokerIdHolder(zk, this.brokerId, this.config.advertisedListeners)
    if (holder === 'other') throw new BrokerIdInUseError(this.brokerId)

    for (const dir of this.config.logDirs) {
      if (this.logDirFailureChannel.hasOfflineLogDir(dir)) continue
      try {
        mkdirSync(dir, { recursive: true })
        writeMetaProperties(dir, { clusterId: this.clusterId, brokerId: this.brokerId })
      } catch (err) {
        if (!isIoError(err)) throw err
        this.logDirFailureChannel.maybeAddOfflineLogDir(dir, 'writing meta.properties', err)
      }
    }
    // The topics' configs before their logs are loaded: each log recovers, and has retention and
    // the cleaner run, with its own config from the start.
    const metadata = new MetadataCache(zk, this.log.child({ component: 'metadata' }))
    this.metadata = metadata
    await metadata.start()
    const logManager = LogManager.open({
      logDirs: [...this.config.logDirs],
      logConfig: topic => topicLogConfig(this.config, metadata.topic(topic)?.config ?? {}),
      logger: this.log.child({ component: 'log-manager' }),
      retentionCheckIntervalMs: v['log.retention.check.interval.ms'],
      flushCheckIntervalMs: Math.min(v['log.flush.scheduler.interval.ms'], 2 ** 31 - 1),
      checkpointIntervalMs: v['log.flush.offset.checkpoint.interval.ms'],
      cleanerBackoffMs: this.config.values['log.cleaner.backoff.ms'],
      producerIdExpirationMs: v['producer.id.expiration.ms'],
      logDirFailureChannel: this.logDirFailureChannel,
    })
    this.logManager = logManager
    logManager.startup()

    const replicas = new ReplicaManager(this.brokerId, logManager, metadata, zk, this.config, this.log.child({ component: 'replica-manager' }))
    replicas.start()
    this.replicas = replicas
    // What takes effect without a restart (README, Configuration): the topics' log.* defaults, the cleaner's backoff, producer.id.expiration.ms.
    dynamicConfig.on('change', (config: KafkaConfig) => {
      replicas.reconfigure(config)
      logManager.setCleanerBackoffMs(config.values['log.cleaner.backoff.ms'])
      logManager.setProducerIdExpirationMs(config.values['producer.id.expiration.ms'])
    })
    // Kafka's LogManager.handleLogDirFailure halts a broker whose last log dir failed: it has
    // nothing left to serve, and its death moves every leadership at once.
    this.logDirFailureChannel.on('offline', () => {
      if (logManager.liveLogDirs.length > 0 || this.shuttingDown) return
      this.log.error('every log dir is offline; halting', { logDirs: this.config.logDirs })
      process.exit(1)
    })

    const controller = new Controller(zk, this.brokerId, {
      uncleanLeaderElection: v['unclean.leader.election.enable'],
      autoLeaderRebalance: v['auto.leader.rebalance.enable'],
      imbalanceCheckIntervalMs: v['leader.imbalance.check.interval.seconds'] * 1000,
      imbalancePercentage: v['leader.imbalance.per.broker.percentage'],
    }, this.log.child({ component: 'controller' }))
    this.controller = controller

    // After replicas.start(): the coordinator reads partition roles the ReplicaManager has applied.
    const groups = new GroupCoordinator({ brokerId: this.brokerId, config: this.config, metadata, replicas, zk, log: this.log.child({ component: 'group-coordinator' }) })
    groups.start()
    this.groups = groups
    const producerIds = new ProducerIdManager(this.brokerId, zk, this.log.child({ component: 'producer-id-manager' }))
    const markerWrites = (marker: Parameters<typeof writeTxnMarker>[1]): ReturnType<typeof writeTxnMarker> => writeTxnMarker({
      replicas,
      metadata,
      timeoutMs: v['request.timeout.ms'],
      onMarkerWritten: (topic, partition, producerId, commit) => { if (topic === '__consumer_offsets') groups.completeTxn(partition, producerId, commit) },
    }, marker)
    const interBrokerConnections = (purpose: string): InterBrokerConnections => new InterBrokerConnections({
      clientId: `broker-${this.brokerId}-${purpose}`,
      metadata,
      listenerName: this.config.interBrokerListenerName,
      security: this.config.interBrokerSecurity,
      requestTimeoutMs: 30_000,
    })
    const transactions = new TransactionCoordinator({
      config: this.config,
      metadata,
      replicas,
      zk,
      producerIds,
      markers: new TransactionMarkerChannel({
        brokerId: this.brokerId,
        connections: interBrokerConnections('txn-marker-sender'),
        writeLocal: markerWrites,
        log: this.log.child({ component: 'transaction-marker-channel' }),
      }),
      log: this.log.child({ component: 'transaction-coordinator' }),
    })
    transactions.start()
    this.transactions = transactions
    const transactionVerifier = new AddPartitionsToTxnManager({
      brokerId: this.brokerId,
      metadata,
      coordinator: transactions,
      connections: interBrokerConnections('add-partitions-to-txn-sender'),
      log: this.log.child({ component: 'add-partitions-to-txn-manager' }),
    })
    this.transactionVerifier = transactionVerifier

    const fetchManager = new FetchManager(new FetchSessionCache(v['max.incremental.fetch.session.cache.slots']))
    const networkLog = this.log.child({ component: 'network' })
    const listenerLimits = new Map(this.config.listeners.map(e => {
      const own = this.config.listenerSecurity.get(e.listenerName)
      return [e.listenerName, { maxConnections: own?.maxConnections ?? Infinity, maxConnectionCreationRate: own?.maxConnectionCreationRate ?? Infinity }]
    }))
    const connectionQuotas = new ConnectionQuotas(listenerLimits, this.config.interBrokerListenerName, await connectionLimits(v, networkLog),
      { samples: v['quota.window.num'], windowMs: v['quota.window.size.seconds'] * 1000 })
    // Before the Kafka listeners and registration: a taken metrics port fails start-up before any client can connect.
    const metricsListener = this.config.metricsListener
    if (metricsListener !== null) {
      this.metrics = new BrokerMetrics({ replicas, metadata, controller, groups, fetchSessions: fetchManager.cache, connections: { listeners: this.config.listeners.map(e => e.listenerName), quotas: connectionQuotas } })
      await this.serveMetrics(this.metrics, metricsListener)
    }

    const quotas = clientQuotaManagers({ samples: v['quota.window.num'], windowMs: v['quota.window.size.seconds'] * 1000 })
    const broker: BrokerContext = {
      brokerId: this.brokerId,
      clusterId: this.clusterId,
      // read on every request, so that handlers see dynamic changes
      get config () { return dynamicConfig.current },
      log: this.log.child({ component: 'request' }),
      zk,
      metadata,
      replicas,
      fetchManager,
      controller,
      groups,
      producerIds,
      transactions,
      transactionVerifier,
      writeTxnMarker: markerWrites,
      supportedVersions: () => [],
      quotas,
      metrics: this.metrics,
    }
    // SCRAM credentials and client quotas, before the listeners: the first request is already under its quota.
    const credentials = new CredentialCache(zk, this.log.child({ component: 'credential-cache' }))
    const quotaConfigs = new ClientQuotaConfigs(zk, {
      replaceAll: entities => replaceAllEntityQuotas(quotas, entities),
      update: (entity, configs) => applyEntityQuotas(quotas, entity, configs),
    }, this.log.child({ component: 'client-quotas' }))
    this.configChanges = await ConfigChangeListener.start(zk, [credentials, quotaConfigs], this.log.child({ component: 'config-changes' }))
    // Before the listeners: no request is served before the ACLs are in memory.
    if (v['authorizer.class.name'] !== '') {
      this.authorizer = await AclAuthorizer.start(zk, {
        superUsers: (v['super.users'] ?? '').split(';').map(p => p.trim()).filter(p => p !== ''),
        allowEveryoneIfNoAclFound: v['allow.everyone.if.no.acl.found'],
      }, this.log.child({ component: 'authorizer' }), this.log.child({ component: 'kafka.authorizer.logger' }))
      broker.authorizer = this.authorizer
    }
    // Every listener's TLS keys and rules are read before the first one listens: a bad one fails start-up by name.
    const channels = this.config.listeners.map(endpoint => channelBuilder(this.config.listenerSecurity.get(endpoint.listenerName)!, {
      scramCredentialOf: (user, mechanism) => credentials.credential(user, mechanism),
      failedAuthenticationDelayMs: v['connection.failed.authentication.delay.ms'],
      maxReauthMs: v['connections.max.reauth.ms'],
      saslMaxReceiveBytes: v['sasl.server.max.receive.size'],
      log: networkLog,
    }))
    const socketServer = new SocketServer({ config: v, quotas: connectionQuotas, log: networkLog })
    this.socketServer = socketServer
    dynamicConfig.on('change', (config: KafkaConfig) => socketServer.reconfigure(config.values))
    for (const [i, endpoint] of this.config.listeners.entries()) {
      const dispatcher = new Dispatcher(handlers, broker, endpoint.listenerName)
      broker.supportedVersions = () => dispatcher.supportedVersions()
      await socketServer.listen(endpoint, dispatcher, channels[i]!)
    }

    if (holder === 'stale') await this.awaitStaleRegistration(zk)
    // Registered last: once the znode is there, clients and the controller may send us work.
    await registerBroker(zk, this.brokerId, this.config.advertisedListeners, v['broker.rack'], this.log.child({ component: 'registration' }))
    zk.on('session', () => { void this.reregister() })

    await controller.start()
    this.log.info('started', { brokerId: this.brokerId, clusterId: this.clusterId })
  }

  private async serveMetrics (metrics: BrokerMetrics, listener: HttpListener): Promise<void> {
    const server = new MetricsServer(metrics.registry, this.log.child({ component: 'metrics' }))
    try {
      await server.listen(listener)
    } catch (err) {
      // A taken or foreign address is the config's to fix: named by key, as a bad value is.
      throw new ConfigError([`"metrics.listener" ${listener.url}: cannot listen (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`])
    }
    this.metricsServer = server
  }

  /**
   * A restart right after kill -9 finds its previous incarnation's znode until that session times
   * out. We now hold its ports, so it is dead: wait for ZooKeeper to expire it instead of failing.
   */
  private async awaitStaleRegistration (zk: ZkSession): Promise<void> {
    const timeoutMs = this.config.values['zookeeper.session.timeout.ms'] + 5000
    this.log.info('waiting for the previous session\'s broker registration to expire', { brokerId: this.brokerId, timeoutMs })
    const deadline = Date.now() + timeoutMs
    while ((await brokerIdHolder(zk, this.brokerId, this.config.advertisedListeners)) !== 'none') {
      if (Date.now() > deadline) throw new BrokerIdInUseError(this.brokerId)
      await new Promise(resolve => setTimeout(resolve, 200))
    }
  }

  /**
   * After a session expiry: the ephemeral znode went with the old session; put it back, retrying
   * until it is there (a lost connection must not leave a live broker unregistered for good), or
   * until this session ends too (the next one registers again).
   */
  private async reregister (): Promise<void> {
    const zk = this.zk
    if (zk === undefined) return
    const generation = zk.generation
    for (let attempt = 1; !this.shuttingDown && generation === zk.generation; attempt++) {
      try {
        await registerBroker(zk, this.brokerId, this.config.advertisedListeners, this.config.values['broker.rack'], this.log.child({ component: 'registration' }))
        return
      } catch (err) {
        this.log.error('re-registration after session expiry failed; retrying', { attempt, error: (err as Error).message })
        await new Promise(resolve => setTimeout(resolve, Math.min(200 * attempt, 2000)))
      }
    }
  }

  /**
   * Kafka's controlled shutdown: ask the controller to move this broker's leaderships away before
   * it stops serving, so clients see one NOT_LEADER_OR_FOLLOWER instead of a session timeout.
   */
  private async controlledShutdown (): Promise<void> {
    const v = this.config.values
    if (!v['controlled.shutdown.enable'] || this.metadata === undefined || this.controller === undefined) return
    if (this.metadata.brokers().filter(b => b.id !== this.brokerId).length === 0) return
    this.replicas?.stopFollowing()
    const startMs = Date.now()
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        const remaining = await this.requestControlledShutdown(this.metadata.controllerId)
        if (remaining === 0) {
          this.log.info('controlled shutdown succeeded', { durationMs: Date.now() - startMs })
          return
        }
        this.log.warn('controlled shutdown incomplete; retrying', { attempt, remainingPartitions: remaining })
      } catch (err) {
        this.log.warn('controlled shutdown request failed; retrying', { attempt, error: (err as Error).message })
      }
      await new Promise(resolve => setTimeout(resolve, 1000))
    }
    this.log.warn('controlled shutdown gave up; shutting down anyway')
  }

  /** Partitions still led here after the controller acted (the controller may be this broker). */
  private async requestControlledShutdown (controllerId: number): Promise<number> {
    if (controllerId === this.brokerId) {
      const remaining = await this.controller?.controlledShutdown(this.brokerId)
      if (remaining === undefined) throw new Error('no longer the controller')
      return remaining.length
    }
    const listener = this.config.interBrokerListenerName
    const endpoint = this.metadata?.broker(controllerId)?.endpoints.find(e => e.listenerName === listener)
    if (endpoint === undefined) throw new Error(`controller ${controllerId} is not reachable`)
    const connection = new Connection(endpoint, { clientId: `broker-${this.brokerId}-shutdown`, connectTimeoutMs: 5000, requestTimeoutMs: 30_000, security: this.config.interBrokerSecurity })
    try {
      await connection.connect()
      const epoch = this.metadata?.broker(this.brokerId)?.epoch ?? -1n
      const response = await connection.send(ControlledShutdownRequest, ControlledShutdownResponse, 2, { brokerId: this.brokerId, brokerEpoch: epoch })
      if (response.errorCode !== ErrorCode.NONE) throw new Error(`controller answered ${errorName(response.errorCode)}`)
      return response.remainingPartitions.length
    } finally {
      connection.close()
    }
  }

  private async resolveBrokerId (zk: ZkSession): Promise<number> {
    const v = this.config.values
    const fromDirs = checkLogDirOwnership(this.config.logDirs, this.clusterId, v['broker.id'], this.logDirFailureChannel)
    if (v['broker.id'] >= 0) return v['broker.id']
    if (fromDirs !== undefined) return fromDirs
    if (!v['broker.id.generation.enable']) throw new ConfigError(['"broker.id" is -1 and "broker.id.generation.enable" is false: set a broker.id'])
    const id = await generateBrokerId(zk, v['reserved.broker.max.id'])
    this.log.info('generated broker id', { brokerId: id })
    return id
  }

  async shutdown (): Promise<void> {
    if (this.shuttingDown) return
    this.shuttingDown = true
    this.log.info('shutting down', { brokerId: this.brokerId })
    // Steps that need ZooKeeper are bounded: with ZooKeeper gone, a broker must still stop.
    await this.bounded('controlled shutdown', this.controlledShutdown(), 15_000)
    await this.bounded('controller resignation', this.controller?.shutdown(), 5000)
    await this.socketServer?.close()
    await this.metricsServer?.close()
    this.metrics?.close()
    this.groups?.shutdown()
    this.transactions?.shutdown()
    this.transactionVerifier?.close()
    this.dynamicConfig?.stop()
    this.configChanges?.stop()
    this.authorizer?.stop()
    this.metadata?.stop()
    this.replicas?.stop()
    await this.logManager?.shutdown()
    if (this.zk !== undefined) {
      await this.bounded('deregistration', deregisterBroker(this.zk, this.brokerId), 5000)
      this.zk.close()
    }
    this.log.info('shut down completed', { brokerId: this.brokerId })
  }

  private async bounded (step: string, work: Promise<void> | undefined, timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>(resolve => { timer = setTimeout(() => resolve('timeout'), timeoutMs) })
    try {
      const outcome = await Promise.race([work, timedOut])
      if (outcome === 'timeout') this.log.warn('shutdown step timed out; going on', { step, timeoutMs })
    } catch (err) {
      this.log.warn('shutdown step failed; going on', { step, error: (err as Error).message })
    } finally {
      clearTimeout(timer)
    }
  }
}
