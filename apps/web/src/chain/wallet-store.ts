import { useEffect, useState } from 'preact/hooks'
import type { WalletSession } from './wallet.js'

// The connected wallet, shared by every page. Holding only a reference keeps viem (imported by
// wallet.ts) out of the first load: pages import wallet.ts when the user asks to connect.

let session: WalletSession | undefined
const listeners = new Set<() => void>()

export function getWallet(): WalletSession | undefined {
  return session
}

export function setWallet(next: WalletSession | undefined): void {
  session = next
  for (const l of listeners) l()
}

export function useWallet(): WalletSession | undefined {
  const [, setTick] = useState(0)
  useEffect(() => {
    const l = () => setTick((t) => t + 1)
    listeners.add(l)
    return () => {
      listeners.delete(l)
    }
  }, [])
  return session
}
